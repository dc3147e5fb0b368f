/*
 * exports.c -- app layer: the daily table an office sends upward and to
 * communities, for a chosen date range, as CSV or XLSX.
 *
 *   by person      one row per person in scope per day: the day's
 *                  current report (status, temperature, symptoms,
 *                  where, exposure, flags, actions) or "未报 missing"
 *   by department  one row per department per day: people, reported,
 *                  missing, reporting rate, green/yellow/red, in Hubei,
 *                  outside the city (the dashboard aggregates)
 *
 * Scope: the office and the command line see everything, a department
 * head their department subtree; no other role exports.  A person table
 * is personal data: every person in it gets an audit entry (action
 * "export", object "report", their id), written in one durable job
 * before the file is handed back.  A department table holds counts
 * only and gets one entry (object "daily").
 *
 * Both formats are fed the same typed rows (struct cell) by one table
 * builder; a sink turns them into CSV text or an XLSX sheet.  CSV is
 * UTF-8 with a byte order mark (Excel on Chinese Windows reads BOM-less
 * UTF-8 as GBK), CRLF line ends, every field quoted by libcsv.  XLSX is
 * written by libxlsxwriter in constant-memory mode (one row in memory at
 * a time, strings inline) to a private temporary file that is read back
 * and unlinked.
 *
 * Size: a range is at most EXPORT_MAX_DAYS days and a table at most
 * EXPORT_MAX_ROWS data rows (what one Excel sheet holds under the title
 * and header), which bounds the buffer handed back.  Reports are read
 * one day at a time, a page at a time, so memory is one day's cells for
 * the people in scope, not the whole range.
 */
#include "app_impl.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/date.h"

#define EXPORT_MAX_DAYS 366
#define EXPORT_MAX_ROWS 1048574  /* 1,048,576 sheet rows less title and header */
#define EXPORT_PAGE 500          /* reports read per store call */
#define ACTIONS_TEXT_MAX (ASSESS_MAX_ACTIONS * (ACTION_CODE_MAX + 1) + 1)
#define SYMPTOMS_TEXT_MAX (SYM_COUNT * 16 + REPORT_NOTE_BUF + 8)
#define DEPT_FULL_NAME_MAX 1024  /* "科研一部/病原学研究组/..." */

/* ---- labels -------------------------------------------------------------- */

static const char *const symptom_zh[SYM_COUNT] = {
	[SYM_FEVER] = "发热",
	[SYM_COUGH] = "咳嗽",
	[SYM_FATIGUE] = "乏力",
	[SYM_SORE_THROAT] = "咽痛",
	[SYM_SHORTNESS_OF_BREATH] = "气促",
	[SYM_DIARRHEA] = "腹泻",
	[SYM_LOSS_OF_SMELL_TASTE] = "嗅觉味觉减退",
	[SYM_OTHER] = "其他",
};

static const char *const location_zh[LOC_COUNT] = {
	[LOC_HOME] = "家中",
	[LOC_WORKPLACE] = "单位",
	[LOC_DORMITORY] = "宿舍",
	[LOC_HOSPITAL] = "医院",
	[LOC_TRAVELLING] = "旅途中",
};

static const char *const exposure_zh[EXP_COUNT] = {
	[EXP_NONE] = "无",
	[EXP_SUSPECTED_CONTACT] = "疑似病例接触",
	[EXP_CONFIRMED_CONTACT] = "确诊病例接触",
	[EXP_RISK_AREA_TRAVEL] = "到过风险地区",
};

static const char *const kind_zh[PERSON_KIND_COUNT] = {
	[PERSON_STAFF] = "职工",
	[PERSON_STUDENT] = "学生",
	[PERSON_POSTDOC] = "博士后",
	[PERSON_VISITOR] = "访客",
};

static const char *
status_label(enum status s)
{
	switch (s) {
	case STATUS_RED:
		return "红 red";
	case STATUS_YELLOW:
		return "黄 yellow";
	default:
		return "绿 green";
	}
}

#define MISSING_LABEL "未报 missing"

/* 湖北 / 本市 / 外地 for the stored place of a report. */
static const char *
place_label(const char *place)
{
	if (strcmp(place, "hubei") == 0)
		return "湖北";
	if (strcmp(place, "city") == 0)
		return "本市";
	if (strcmp(place, "outside") == 0)
		return "外地";
	return place;
}

/* ---- typed cells and the two sinks ------------------------------------------ */

enum cell_kind { CELL_EMPTY, CELL_TEXT, CELL_NUMBER, CELL_DATE };
enum cell_style { STYLE_PLAIN, STYLE_RED, STYLE_YELLOW, STYLE_FEVER };

/* One cell of a row, borrowed by the sink for the call. */
struct cell {
	enum cell_kind kind;
	enum cell_style style;
	const char *text;   /* CELL_TEXT */
	double number;      /* CELL_NUMBER; CELL_DATE: the day number */
	int decimals;       /* CELL_NUMBER: 0 or 1 digits after the point */
};

struct column {
	const char *title;  /* bilingual header, "日期 date" */
	double width;       /* XLSX column width, in characters */
};

/* A growing byte buffer; rc sticks at the first failure. */
struct buf {
	char *p;
	size_t len, cap;
	int rc;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->rc)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 65536;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->rc = FK_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

struct sink {
	bool xlsx;
	int ncols;
	int rc;                       /* first failure, sticky */
	char why[160];                /* what failed, for the message */
	/* CSV */
	struct buf b;
	/* XLSX */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *f_title, *f_header, *f_date, *f_dec1, *f_red, *f_yellow, *f_fever;
	lxw_row_t row;                /* next row to write */
	char path[PATH_MAX];          /* the temporary file, "" once gone */
	char tmpdir[PATH_MAX];
};

static void
sink_fail(struct sink *s, int rc, const char *what, lxw_error e)
{
	if (s->rc)
		return;
	s->rc = rc;
	if (e != LXW_NO_ERROR)
		snprintf(s->why, sizeof s->why, "%s: %s", what, lxw_strerror(e));
	else
		snprintf(s->why, sizeof s->why, "%s", what);
}

static void
lxw_check(struct sink *s, lxw_error e, const char *what)
{
	if (e != LXW_NO_ERROR)
		sink_fail(s, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? FK_ENOMEM : FK_EIO, what, e);
}

/* Append one CSV field (always quoted by libcsv) and its separator.
 * Text a spreadsheet would take for a formula (=, +, -, @ first) gets a
 * leading apostrophe, so a name or note typed as "=HYPERLINK(...)"
 * stays text when the office opens the file in Excel. */
static void
csv_field(struct sink *s, const char *text, bool guard, bool last)
{
	char small[1024];
	char *guarded = NULL;
	const char *v = text;
	size_t n, need;
	char *tmp;

	if (guard && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
		      text[0] == '\t' || text[0] == '\r')) {
		size_t tl = strlen(text);
		guarded = malloc(tl + 2);
		if (guarded == NULL) {
			s->b.rc = FK_ENOMEM;
			return;
		}
		guarded[0] = '\'';
		memcpy(guarded + 1, text, tl + 1);
		v = guarded;
	}
	n = strlen(v);
	need = csv_write(NULL, 0, v, n);
	tmp = need <= sizeof small ? small : malloc(need);
	if (tmp == NULL) {
		s->b.rc = FK_ENOMEM;
		free(guarded);
		return;
	}
	csv_write(tmp, need, v, n);
	buf_add(&s->b, tmp, need);
	buf_add(&s->b, last ? "\r\n" : ",", last ? 2 : 1);
	if (tmp != small)
		free(tmp);
	free(guarded);
}

static lxw_format *
new_format(struct sink *s)
{
	lxw_format *f = workbook_add_format(s->wb);
	if (f == NULL)
		sink_fail(s, FK_ENOMEM, "cannot add a cell format", LXW_NO_ERROR);
	return f;
}

static void
xlsx_formats(struct sink *s)
{
	if ((s->f_title = new_format(s))) {
		format_set_bold(s->f_title);
		format_set_font_size(s->f_title, 14);
	}
	if ((s->f_header = new_format(s))) {
		format_set_bold(s->f_header);
		format_set_text_wrap(s->f_header);
		format_set_align(s->f_header, LXW_ALIGN_VERTICAL_CENTER);
		format_set_bg_color(s->f_header, 0xD9E1F2);
		format_set_border(s->f_header, LXW_BORDER_THIN);
	}
	if ((s->f_date = new_format(s)))
		format_set_num_format(s->f_date, "yyyy-mm-dd");
	if ((s->f_dec1 = new_format(s)))
		format_set_num_format(s->f_dec1, "0.0");
	if ((s->f_fever = new_format(s))) {
		format_set_num_format(s->f_fever, "0.0");
		format_set_bold(s->f_fever);
		format_set_font_color(s->f_fever, 0x9C0006);
	}
	if ((s->f_red = new_format(s))) {
		format_set_pattern(s->f_red, LXW_PATTERN_SOLID);
		format_set_bg_color(s->f_red, 0xFF7C80);
		format_set_font_color(s->f_red, 0x9C0006);
		format_set_bold(s->f_red);
	}
	if ((s->f_yellow = new_format(s))) {
		format_set_pattern(s->f_yellow, LXW_PATTERN_SOLID);
		format_set_bg_color(s->f_yellow, 0xFFEB9C);
		format_set_font_color(s->f_yellow, 0x9C5700);
	}
}

/*
 * Start the output: CSV gets the BOM and the header; XLSX gets a
 * workbook on a fresh temporary file with the title row, the bold
 * header, frozen panes below it and the column widths.
 */
static void
sink_open(struct sink *s, bool xlsx, const char *sheet, const char *title,
	  const char *company, const struct column *cols, int ncols)
{
	s->xlsx = xlsx;
	s->ncols = ncols;
	if (!xlsx) {
		buf_add(&s->b, "\xef\xbb\xbf", 3);
		for (int c = 0; c < ncols; c++)
			csv_field(s, cols[c].title, false, c == ncols - 1);
		return;
	}

	const char *dir = getenv("TMPDIR");
	int fd;
	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	snprintf(s->tmpdir, sizeof s->tmpdir, "%s", dir);
	if ((size_t)snprintf(s->path, sizeof s->path, "%s/fangkong-export-XXXXXX", dir) >=
	    sizeof s->path) {
		s->path[0] = '\0';
		sink_fail(s, FK_EIO, "the temporary directory's name is too long", LXW_NO_ERROR);
		return;
	}
	fd = mkstemp(s->path);
	if (fd < 0) {
		s->path[0] = '\0';
		sink_fail(s, FK_EIO, "cannot create a temporary file", LXW_NO_ERROR);
		return;
	}
	close(fd); /* libxlsxwriter reopens it by name (same inode, mode 0600) */

	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = s->tmpdir};
	s->wb = workbook_new_opt(s->path, &opt);
	if (s->wb == NULL) {
		sink_fail(s, FK_ENOMEM, "cannot start a workbook", LXW_NO_ERROR);
		return;
	}
	char ptitle[200], pcompany[SETTING_VALUE_MAX];
	snprintf(ptitle, sizeof ptitle, "%s", title);
	snprintf(pcompany, sizeof pcompany, "%s", company);
	lxw_doc_properties props = {.title = ptitle, .company = pcompany[0] ? pcompany : NULL};
	lxw_check(s, workbook_set_properties(s->wb, &props), "cannot set the workbook properties");
	s->ws = workbook_add_worksheet(s->wb, sheet);
	if (s->ws == NULL) {
		sink_fail(s, FK_ENOMEM, "cannot add a worksheet", LXW_NO_ERROR);
		return;
	}
	xlsx_formats(s);
	if (s->rc)
		return;
	for (int c = 0; c < ncols; c++)
		lxw_check(s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width,
						  NULL),
			  "cannot set a column width");
	lxw_check(s, worksheet_set_row(s->ws, 0, 24, NULL), "cannot set the title row");
	lxw_check(s, worksheet_write_string(s->ws, 0, 0, title, s->f_title),
		  "cannot write the title");
	lxw_check(s, worksheet_set_row(s->ws, 1, 32, NULL), "cannot set the header row");
	for (int c = 0; c < ncols; c++)
		lxw_check(s, worksheet_write_string(s->ws, 1, (lxw_col_t)c, cols[c].title,
						    s->f_header),
			  "cannot write the header");
	worksheet_freeze_panes(s->ws, 2, 0);
	s->row = 2;
}

static lxw_format *
style_format(struct sink *s, const struct cell *c)
{
	switch (c->style) {
	case STYLE_RED:
		return s->f_red;
	case STYLE_YELLOW:
		return s->f_yellow;
	case STYLE_FEVER:
		return s->f_fever;
	default:
		return c->kind == CELL_NUMBER && c->decimals > 0 ? s->f_dec1 : NULL;
	}
}

static void
sink_row(struct sink *s, const struct cell *cells)
{
	if (s->rc)
		return;
	if (!s->xlsx) {
		for (int i = 0; i < s->ncols; i++) {
			const struct cell *c = &cells[i];
			char num[DATE_STR_LEN + 32];
			bool last = i == s->ncols - 1;
			switch (c->kind) {
			case CELL_TEXT:
				csv_field(s, c->text, true, last);
				break;
			case CELL_NUMBER:
				snprintf(num, sizeof num, "%.*f", c->decimals, c->number);
				csv_field(s, num, false, last);
				break;
			case CELL_DATE:
				date_format((int32_t)c->number, num);
				csv_field(s, num, false, last);
				break;
			default:
				csv_field(s, "", false, last);
				break;
			}
		}
		if (s->b.rc)
			sink_fail(s, s->b.rc, "out of memory", LXW_NO_ERROR);
		return;
	}

	for (int i = 0; i < s->ncols && s->rc == 0; i++) {
		const struct cell *c = &cells[i];
		lxw_col_t col = (lxw_col_t)i;
		switch (c->kind) {
		case CELL_TEXT:
			if (c->text[0] || c->style != STYLE_PLAIN)
				lxw_check(s, worksheet_write_string(s->ws, s->row, col, c->text,
								    style_format(s, c)),
					  "cannot write a cell");
			break;
		case CELL_NUMBER:
			lxw_check(s, worksheet_write_number(s->ws, s->row, col, c->number,
							    style_format(s, c)),
				  "cannot write a cell");
			break;
		case CELL_DATE:
			/* Excel's serial day: 1970-01-01 is 25569 */
			lxw_check(s, worksheet_write_number(s->ws, s->row, col, c->number + 25569.0,
							    s->f_date),
				  "cannot write a cell");
			break;
		default:
			break;
		}
	}
	s->row++;
}

/* Read a whole file into a malloc'd buffer. */
static int
slurp(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *p;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return FK_EIO;
	if (fstat(fd, &st) != 0 || st.st_size <= 0) {
		close(fd);
		return FK_EIO;
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		close(fd);
		return FK_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, p + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(p);
			close(fd);
			return FK_EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;
}

/* Finish the output and hand it over (*out malloc'd), or clean up after
 * a failure.  Always releases everything the sink holds. */
static int
sink_close(struct sink *s, char **out, size_t *len, struct fk_error *err)
{
	int rc;

	if (!s->xlsx) {
		if (s->rc == 0 && s->b.rc)
			sink_fail(s, s->b.rc, "out of memory", LXW_NO_ERROR);
		if (s->rc == 0) {
			*out = s->b.p;
			*len = s->b.len;
			s->b.p = NULL;
		}
		free(s->b.p);
		s->b.p = NULL;
		if (s->rc)
			return fk_error_set(err, s->rc, "", "cannot write the table: %s", s->why);
		return 0;
	}

	if (s->wb) {
		if (s->rc == 0 && s->ws)
			lxw_check(s, worksheet_autofilter(s->ws, 1, 0, s->row > 2 ? s->row - 1 : 1,
							  (lxw_col_t)(s->ncols - 1)),
				  "cannot set the autofilter");
		/* workbook_close writes the file and frees the workbook, also
		 * after an earlier failure (then the file is thrown away) */
		lxw_error e = workbook_close(s->wb);
		s->wb = NULL;
		if (s->rc == 0)
			lxw_check(s, e, "cannot write the workbook");
	}
	if (s->rc == 0) {
		rc = slurp(s->path, out, len);
		if (rc)
			sink_fail(s, rc, "cannot read back the workbook", LXW_NO_ERROR);
	}
	if (s->path[0]) {
		(void)unlink(s->path);
		s->path[0] = '\0';
	}
	return s->rc ? fk_error_set(err, s->rc, "", "cannot write the spreadsheet: %s", s->why) : 0;
}

/* ---- departments: full names ------------------------------------------------ */

struct dept_index {
	department_t *d;   /* store_department_list, tree order */
	size_t n;
};

static const department_t *
dept_find(const struct dept_index *di, int64_t id)
{
	for (size_t i = 0; i < di->n; i++)
		if (di->d[i].id == id)
			return &di->d[i];
	return NULL;
}

/* "科研一部/病原学研究组" from the ids of the department's path. */
static void
dept_full_name(const struct dept_index *di, int64_t id, const char *fallback, char *buf,
	       size_t cap)
{
	const department_t *d = dept_find(di, id);
	size_t used = 0;

	buf[0] = '\0';
	if (d == NULL) {
		snprintf(buf, cap, "%s", fallback);
		return;
	}
	for (const char *p = d->path; *p;) {
		char *end;
		long long part;
		const department_t *anc;

		if (*p == '/') {
			p++;
			continue;
		}
		part = strtoll(p, &end, 10);
		if (end == p)
			break;
		p = end;
		anc = dept_find(di, part);
		if (anc == NULL)
			continue;
		int w = snprintf(buf + used, cap - used, "%s%s", used ? "/" : "", anc->name);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
	if (used == 0)
		snprintf(buf, cap, "%s", d->name);
}

/* ---- the person table ------------------------------------------------------------ */

/* What the table shows of one person's current report of one day. */
struct day_cell {
	bool reported;
	enum status status;
	int temp_dc;
	char symptoms[SYMPTOMS_TEXT_MAX];
	char region_code[REGION_CODE_LEN + 1];
	char place[12];
	enum location location;
	enum exposure exposure;
	char flags[96];
	char actions[ACTIONS_TEXT_MAX];
};

enum person_col {
	PC_DATE, PC_ID, PC_NAME, PC_KIND, PC_DEPARTMENT, PC_STATUS, PC_TEMP, PC_SYMPTOMS,
	PC_REGION, PC_PLACE, PC_LOCATION, PC_EXPOSURE, PC_FLAGS, PC_ACTIONS, PC_COUNT
};

static const struct column person_cols[PC_COUNT] = {
	[PC_DATE] = {"日期 date", 12},
	[PC_ID] = {"工号 person_id", 11},
	[PC_NAME] = {"姓名 name", 10},
	[PC_KIND] = {"类别 kind", 8},
	[PC_DEPARTMENT] = {"部门 department", 26},
	[PC_STATUS] = {"状态 status", 12},
	[PC_TEMP] = {"体温 temperature_c", 10},
	[PC_SYMPTOMS] = {"症状 symptoms", 20},
	[PC_REGION] = {"所在地区 region_code", 11},
	[PC_PLACE] = {"所在地 place", 8},
	[PC_LOCATION] = {"所处场所 location", 10},
	[PC_EXPOSURE] = {"接触史 exposure", 14},
	[PC_FLAGS] = {"数据标记 flags", 14},
	[PC_ACTIONS] = {"处置措施 actions", 48},
};

/* "发热、咳嗽（note）" */
static void
symptoms_text(const report_t *r, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int s = 0; s < SYM_COUNT; s++) {
		if (!(r->symptoms & SYM_BIT(s)))
			continue;
		int w = snprintf(buf + used, cap - used, "%s%s", used ? "、" : "", symptom_zh[s]);
		if (w < 0 || (size_t)w >= cap - used)
			return;
		used += (size_t)w;
	}
	if (r->symptoms_note[0])
		snprintf(buf + used, cap - used, "（%s）", r->symptoms_note);
}

/* The codes of the actions in a stored assessment, comma separated.
 * The assessment JSON is made by reports.c; an action is an object
 * with a "code" (or, tolerated, a bare string). */
static void
actions_text(const char *assessment, char *buf, size_t cap)
{
	json_error_t jerr;
	json_t *root, *actions, *item;
	size_t i, used = 0;

	buf[0] = '\0';
	if (assessment[0] == '\0')
		return;
	root = json_loads(assessment, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return;
	actions = json_object_get(root, "actions");
	if (json_is_array(actions)) {
		json_array_foreach(actions, i, item) {
			const char *code = json_is_string(item) ? json_string_value(item) : NULL;
			if (code == NULL)
				code = json_string_value(json_object_get(item, "code"));
			if (code == NULL || code[0] == '\0')
				continue;
			int w = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", code);
			if (w < 0 || (size_t)w >= cap - used) {
				buf[used] = '\0';
				break;
			}
			used += (size_t)w;
		}
	}
	json_decref(root);
}

static void
fill_day_cell(struct day_cell *c, const report_rec_t *rec)
{
	const report_t *r = &rec->r;
	c->reported = true;
	c->status = rec->status;
	c->temp_dc = r->temp_dc;
	symptoms_text(r, c->symptoms, sizeof c->symptoms);
	snprintf(c->region_code, sizeof c->region_code, "%s", r->region_code);
	snprintf(c->place, sizeof c->place, "%s", rec->place);
	c->location = r->location < LOC_COUNT ? r->location : LOC_HOME;
	c->exposure = r->exposure < EXP_COUNT ? r->exposure : EXP_NONE;
	snprintf(c->flags, sizeof c->flags, "%s", rec->flags);
	actions_text(rec->assessment, c->actions, sizeof c->actions);
}

static int
cmp_person_id(const void *x, const void *y)
{
	return strcmp(((const person_t *)x)->id, ((const person_t *)y)->id);
}

static int
cmp_key_person(const void *key, const void *p)
{
	return strcmp((const char *)key, ((const person_t *)p)->id);
}

/*
 * A person now in the subtree whose report of day was filed while they
 * belonged to another department is not in the subtree's report list
 * (reports are counted where they were filed), yet the report is theirs
 * and app_report_history shows it to the same reader.  So that such a
 * day is not shown as missing: people in scope without a row who are
 * not missing either (store_missing) have theirs read one by one --
 * only people who moved, usually none.
 */
static int
fill_moved(app_t *a, int32_t day, const char *dept_path, const person_t *people, size_t n,
	   struct day_cell *cells, int *days_reported)
{
	struct person_query q = {.dept_path = dept_path};
	person_t *missing = NULL;
	size_t nm = 0, unreported = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		unreported += !cells[i].reported;
	if (unreported == 0)
		return 0;
	rc = store_missing(a->store, day, &q, &missing, &nm);
	for (size_t i = 0; rc == 0 && nm < unreported && i < n; i++) {
		report_rec_t *recs = NULL;
		size_t k = 0;
		if (cells[i].reported ||
		    bsearch(people[i].id, missing, nm, sizeof *missing, cmp_key_person))
			continue;
		rc = store_report_recent(a->store, people[i].id, day, day, &recs, &k);
		if (rc == 0 && k > 0) {
			fill_day_cell(&cells[i], &recs[k - 1]);
			days_reported[i]++;
		}
		free(recs);
	}
	free(missing);
	return rc;
}

/* fever_dc: the fever cut-off of the policy in force that day, for the
 * temperature's highlight in XLSX. */
static void
person_row(struct sink *s, int32_t day, const person_t *p, const char *dept,
	   const struct day_cell *c, int fever_dc)
{
	struct cell row[PC_COUNT];

	memset(row, 0, sizeof row);
	for (int i = 0; i < PC_COUNT; i++) {
		row[i].kind = CELL_TEXT;
		row[i].text = "";
	}
	row[PC_DATE] = (struct cell){.kind = CELL_DATE, .number = day};
	row[PC_ID].text = p->id;
	row[PC_NAME].text = p->name;
	row[PC_KIND].text = p->kind < PERSON_KIND_COUNT ? kind_zh[p->kind] : "";
	row[PC_DEPARTMENT].text = dept;
	if (!c->reported) {
		row[PC_STATUS].text = MISSING_LABEL;
		sink_row(s, row);
		return;
	}
	row[PC_STATUS].text = status_label(c->status);
	row[PC_STATUS].style = c->status == STATUS_RED      ? STYLE_RED
			       : c->status == STATUS_YELLOW ? STYLE_YELLOW
							    : STYLE_PLAIN;
	row[PC_TEMP] = (struct cell){.kind = CELL_NUMBER, .number = c->temp_dc / 10.0,
				     .decimals = 1,
				     .style = c->temp_dc >= fever_dc ? STYLE_FEVER : STYLE_PLAIN};
	row[PC_SYMPTOMS].text = c->symptoms;
	row[PC_REGION].text = c->region_code;
	row[PC_PLACE].text = place_label(c->place);
	row[PC_LOCATION].text = location_zh[c->location];
	row[PC_EXPOSURE].text = exposure_zh[c->exposure];
	row[PC_FLAGS].text = c->flags;
	row[PC_ACTIONS].text = c->actions;
	sink_row(s, row);
}

struct person_audit_job {
	const actor_t *actor;
	const person_t *people;
	const int *days_reported;
	size_t n;
	const char *range;     /* "2020-02-10..2020-02-16" */
	const char *format;
	int ndays;
};

static int
person_audit_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct person_audit_job *j = arg;
	char detail[160];
	int rc;

	for (size_t i = 0; i < j->n; i++) {
		snprintf(detail, sizeof detail, "daily %s, %d of %d day(s) reported, %s", j->range,
			 j->days_reported[i], j->ndays, j->format);
		rc = app_audit_tx(tx, j->actor, "export", "report", j->people[i].id, detail);
		if (rc)
			return fk_error_set(err, rc, "", "cannot write the audit log");
	}
	snprintf(detail, sizeof detail, "by person, %zu people, %s", j->n, j->format);
	rc = app_audit_tx(tx, j->actor, "export", "daily", j->range, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

static int
export_by_person(app_t *a, const actor_t *actor, const char *dept_path, int32_t from,
		 int32_t to, struct sink *s, const struct dept_index *di, const char *range,
		 const char *format, char **out, size_t *len, struct fk_error *err)
{
	struct person_query pq = {.dept_path = dept_path};
	person_t *people = NULL;
	size_t n = 0;
	struct day_cell *cells = NULL;
	int *days_reported = NULL;
	char (*dept_names)[DEPT_FULL_NAME_MAX] = NULL;
	report_rec_t *page = NULL;
	int ndays = (int)(to - from) + 1;
	int rc;

	rc = store_person_list(a->store, &pq, &people, &n);
	if (rc) {
		rc = fk_error_set(err, rc, "", "cannot read people");
		goto out;
	}
	if ((uint64_t)n * (uint64_t)ndays > EXPORT_MAX_ROWS) {
		rc = fk_error_set(err, FK_EINVAL, "to",
				  "%zu people over %d days is more than %d rows; "
				  "choose a shorter range",
				  n, ndays, EXPORT_MAX_ROWS);
		goto out;
	}
	qsort(people, n, sizeof *people, cmp_person_id);
	cells = calloc(n ? n : 1, sizeof *cells);
	days_reported = calloc(n ? n : 1, sizeof *days_reported);
	dept_names = calloc(n ? n : 1, sizeof *dept_names);
	if (cells == NULL || days_reported == NULL || dept_names == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		dept_full_name(di, people[i].department_id, people[i].department, dept_names[i],
			       sizeof dept_names[i]);

	for (int32_t day = from; day <= to && s->rc == 0; day++) {
		struct report_query rq = {.from = day, .to = day, .dept_path = dept_path,
					  .status = -1, .limit = EXPORT_PAGE};
		for (size_t i = 0; i < n; i++)
			cells[i].reported = false;
		for (;;) {
			size_t got = 0;
			rc = store_report_list(a->store, &rq, &page, &got);
			if (rc) {
				rc = fk_error_set(err, rc, "", "cannot read reports");
				goto out;
			}
			for (size_t k = 0; k < got; k++) {
				const report_rec_t *rec = &page[k];
				const person_t *p = bsearch(rec->r.person_id, people, n,
							    sizeof *people, cmp_key_person);
				/* a report of someone no longer in scope is not shown */
				if (p == NULL || rec->r.date != day)
					continue;
				size_t i = (size_t)(p - people);
				if (!cells[i].reported)
					days_reported[i]++;
				fill_day_cell(&cells[i], rec);
			}
			if (got)
				rq.after_id = page[got - 1].r.id;
			free(page);
			page = NULL;
			if (got < (size_t)EXPORT_PAGE)
				break;
		}
		if (dept_path && (rc = fill_moved(a, day, dept_path, people, n, cells,
						  days_reported))) {
			rc = fk_error_set(err, rc, "", "cannot read reports");
			goto out;
		}
		const policy_t *pol = app_policy_for(a, day);
		int fever_dc = pol && pol->fever_dc > 0 ? pol->fever_dc : 373;
		for (size_t i = 0; i < n; i++)
			person_row(s, day, &people[i], dept_names[i], &cells[i], fever_dc);
	}
	rc = sink_close(s, out, len, err);
	if (rc)
		goto out;

	/* the file stays here until every read is on record */
	struct person_audit_job j = {actor, people, days_reported, n, range, format, ndays};
	rc = store_write(a->store, person_audit_job, &j, err);
	if (rc) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
out:
	free(page);
	free(dept_names);
	free(days_reported);
	free(cells);
	free(people);
	return rc;
}

/* ---- the department table ---------------------------------------------------- */

enum dept_col {
	DC_DATE, DC_DEPARTMENT, DC_PEOPLE, DC_REPORTED, DC_MISSING, DC_RATE, DC_GREEN,
	DC_YELLOW, DC_RED, DC_HUBEI, DC_OUTSIDE, DC_COUNT
};

static const struct column dept_cols[DC_COUNT] = {
	[DC_DATE] = {"日期 date", 12},
	[DC_DEPARTMENT] = {"部门 department", 30},
	[DC_PEOPLE] = {"应报人数 people", 10},
	[DC_REPORTED] = {"已报人数 reported", 10},
	[DC_MISSING] = {"未报人数 missing", 10},
	[DC_RATE] = {"报告率(%) reporting_rate", 12},
	[DC_GREEN] = {"绿 green", 8},
	[DC_YELLOW] = {"黄 yellow", 8},
	[DC_RED] = {"红 red", 8},
	[DC_HUBEI] = {"在湖北 in_hubei", 10},
	[DC_OUTSIDE] = {"在外地 outside_city", 10},
};

static int
cmp_dash_path(const void *x, const void *y)
{
	return strcmp(((const struct dash_department *)x)->path,
		      ((const struct dash_department *)y)->path);
}

/* Reported in Hubei and outside the city, of one department's own
 * people on day: the subtree's places less those of its direct
 * children's subtrees (store_dash_places counts a whole subtree). */
static int
dept_places(app_t *a, int32_t day, const struct dept_index *di, const department_t *d,
	    int64_t *hubei, int64_t *outside)
{
	struct dash_place pl[3];
	size_t np = 0;
	int rc = store_dash_places(a->store, day, d->path, pl, &np);

	*hubei = *outside = 0;
	if (rc)
		return rc;
	for (size_t k = 0; k < np && k < 3; k++) {
		if (strcmp(pl[k].place, "hubei") == 0)
			*hubei += pl[k].reported;
		else if (strcmp(pl[k].place, "outside") == 0)
			*outside += pl[k].reported;
	}
	for (size_t i = 0; i < di->n; i++) {
		if (di->d[i].parent_id != d->id)
			continue;
		rc = store_dash_places(a->store, day, di->d[i].path, pl, &np);
		if (rc)
			return rc;
		for (size_t k = 0; k < np && k < 3; k++) {
			if (strcmp(pl[k].place, "hubei") == 0)
				*hubei -= pl[k].reported;
			else if (strcmp(pl[k].place, "outside") == 0)
				*outside -= pl[k].reported;
		}
	}
	if (*hubei < 0)
		*hubei = 0;
	if (*outside < 0)
		*outside = 0;
	return 0;
}

static struct cell
count_cell(int64_t v, enum cell_style style)
{
	return (struct cell){.kind = CELL_NUMBER, .number = (double)v, .style = style};
}

/* One department's day.  "people" is who is registered there now, so
 * missing is never shown below zero for a day when people have since
 * moved away. */
static void
department_row(struct sink *s, int32_t day, const char *name, const struct dash_department *x,
	       int64_t hubei, int64_t outside)
{
	struct cell row[DC_COUNT];
	int64_t missing = x->people > x->reported ? x->people - x->reported : 0;

	memset(row, 0, sizeof row);
	row[DC_DATE] = (struct cell){.kind = CELL_DATE, .number = day};
	row[DC_DEPARTMENT] = (struct cell){.kind = CELL_TEXT, .text = name};
	row[DC_PEOPLE] = count_cell(x->people, STYLE_PLAIN);
	row[DC_REPORTED] = count_cell(x->reported, STYLE_PLAIN);
	row[DC_MISSING] = count_cell(missing, STYLE_PLAIN);
	if (x->people > 0) /* else left empty: no rate without people */
		row[DC_RATE] = (struct cell){.kind = CELL_NUMBER, .decimals = 1,
					     .number = 100.0 * (double)x->reported /
						       (double)x->people};
	row[DC_GREEN] = count_cell(x->green, STYLE_PLAIN);
	row[DC_YELLOW] = count_cell(x->yellow, x->yellow ? STYLE_YELLOW : STYLE_PLAIN);
	row[DC_RED] = count_cell(x->red, x->red ? STYLE_RED : STYLE_PLAIN);
	row[DC_HUBEI] = count_cell(hubei, STYLE_PLAIN);
	row[DC_OUTSIDE] = count_cell(outside, STYLE_PLAIN);
	sink_row(s, row);
}

struct daily_audit_job {
	const actor_t *actor;
	const char *range;
	char detail[160];
};

static int
daily_audit_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct daily_audit_job *j = arg;
	int rc = app_audit_tx(tx, j->actor, "export", "daily", j->range, j->detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

static int
export_by_department(app_t *a, const actor_t *actor, const char *dept_path, int32_t from,
		     int32_t to, struct sink *s, const struct dept_index *di, const char *range,
		     const char *format, char **out, size_t *len, struct fk_error *err)
{
	struct dash_department *dd = NULL;
	size_t nd = 0, rows = 0;
	char name[DEPT_FULL_NAME_MAX];
	int rc = 0;

	for (int32_t day = from; day <= to && s->rc == 0; day++) {
		rc = store_dash_departments(a->store, day, dept_path, &dd, &nd);
		if (rc) {
			rc = fk_error_set(err, rc, "", "cannot read the daily counts");
			goto out;
		}
		if (rows + nd > EXPORT_MAX_ROWS) {
			rc = fk_error_set(err, FK_EINVAL, "to",
					  "more than %d rows; choose a shorter range",
					  EXPORT_MAX_ROWS);
			goto out;
		}
		qsort(dd, nd, sizeof *dd, cmp_dash_path);
		for (size_t i = 0; i < nd; i++) {
			const struct dash_department *x = &dd[i];
			const department_t *d = dept_find(di, x->department_id);
			int64_t hubei = 0, outside = 0;

			if (d && (rc = dept_places(a, day, di, d, &hubei, &outside))) {
				rc = fk_error_set(err, rc, "", "cannot read the daily counts");
				goto out;
			}
			dept_full_name(di, x->department_id, x->department, name, sizeof name);
			department_row(s, day, name, x, hubei, outside);
		}
		rows += nd;
		free(dd);
		dd = NULL;
	}
	rc = sink_close(s, out, len, err);
	if (rc)
		goto out;

	struct daily_audit_job j = {.actor = actor, .range = range};
	snprintf(j.detail, sizeof j.detail, "by department, %zu rows, %s", rows, format);
	rc = store_write(a->store, daily_audit_job, &j, err);
	if (rc) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
out:
	free(dd);
	return rc;
}

/* ---- the use case ------------------------------------------------------------------ */

int
app_export_daily(app_t *a, const actor_t *actor, int32_t from, int32_t to, const char *by,
		 const char *format, char **out, size_t *len, struct fk_error *err)
{
	const char *dept_path = NULL;
	struct dept_index di = {0};
	struct sink s = {0};
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN], range[2 * DATE_STR_LEN + 2], title[200];
	char company[SETTING_VALUE_MAX] = "";
	bool by_person, xlsx;
	int rc;

	*out = NULL;
	*len = 0;
	if (actor->cli || actor->user.role == ROLE_OFFICE) {
		dept_path = NULL;
	} else if (actor->user.role == ROLE_DEPT_HEAD && actor->dept_path[0]) {
		dept_path = actor->dept_path;
	} else {
		return fk_error_set(err, FK_EPERM, "",
				    "only the office or a department head exports the daily table");
	}

	if (from < date_from_ymd(1900, 1, 1) || from > date_from_ymd(2199, 12, 31))
		return fk_error_set(err, FK_EINVAL, "from",
				    "from is not a date between 1900 and 2199");
	if (to < date_from_ymd(1900, 1, 1) || to > date_from_ymd(2199, 12, 31))
		return fk_error_set(err, FK_EINVAL, "to", "to is not a date between 1900 and 2199");
	date_format(from, d1);
	date_format(to, d2);
	if (from > to)
		return fk_error_set(err, FK_EINVAL, "from", "from (%s) is after to (%s)", d1, d2);
	if (to - from + 1 > EXPORT_MAX_DAYS)
		return fk_error_set(err, FK_EINVAL, "to",
				    "a table covers at most %d days (%s to %s is %ld)",
				    EXPORT_MAX_DAYS, d1, d2, (long)(to - from) + 1);
	if (by == NULL || (strcmp(by, "person") != 0 && strcmp(by, "department") != 0))
		return fk_error_set(err, FK_EINVAL, "by", "by must be person or department");
	if (format == NULL || (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0))
		return fk_error_set(err, FK_EINVAL, "format", "format must be csv or xlsx");
	by_person = strcmp(by, "person") == 0;
	xlsx = strcmp(format, "xlsx") == 0;

	rc = store_department_list(a->store, &di.d, &di.n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read departments");
	if (store_setting_get(a->store, "org_name", company, sizeof company) != 0)
		company[0] = '\0';
	snprintf(range, sizeof range, "%s..%s", d1, d2);
	snprintf(title, sizeof title, "健康日报%s %s 至 %s / Daily health report%s",
		 by_person ? "" : "（按部门）", d1, d2, by_person ? "" : " by department");

	sink_open(&s, xlsx, by_person ? "按人员 by person" : "按部门 by department", title, company,
		  by_person ? person_cols : dept_cols, by_person ? PC_COUNT : DC_COUNT);
	if (s.rc)
		rc = fk_error_set(err, s.rc, "", "cannot start the table: %s", s.why);
	else if (by_person)
		rc = export_by_person(a, actor, dept_path, from, to, &s, &di, range, format, out,
				      len, err);
	else
		rc = export_by_department(a, actor, dept_path, from, to, &s, &di, range, format,
					  out, len, err);
	/* after a failure before the sink was closed: discard its output
	 * (a second close is harmless: everything is released already) */
	if (rc && s.rc == 0)
		s.rc = rc;
	if (rc)
		(void)sink_close(&s, &(char *){NULL}, &(size_t){0}, NULL);
	free(di.d);
	return rc;
}
