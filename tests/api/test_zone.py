"""test_zone.py -- `fangkong zone`: area risk levels of a case series CSV
on one date, with no database (DESIGN.md §6, RULES.md §4).

Runs the real binary on small CSVs written to a temp dir, and on a
series built here from the real data in ../shared/data (skipped if that
directory is not beside the repository).

Environment: FANGKONG_BIN (the binary, default build/fangkong),
FANGKONG_TEST_TMP (scratch directory, default build/test-tmp).
Python 3 standard library only.
"""

import collections
import csv
import datetime
import io
import os
import shutil
import subprocess
import tempfile
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_HERE))
BIN = os.environ.get("FANGKONG_BIN") or os.path.join(ROOT, "build", "fangkong")
TMP = os.environ.get("FANGKONG_TEST_TMP") or os.path.join(ROOT, "build", "test-tmp")
# CI keeps shared/ beside the clone of the repository.
SHARED_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))

HEADER = "date,region_code,new_confirmed,new_clusters"


def day(s):
    return datetime.date.fromisoformat(s)


def plus(s, n):
    return (day(s) + datetime.timedelta(days=n)).isoformat()


class ZoneCase(unittest.TestCase):
    """Each test writes its CSV into a fresh temp dir and runs the binary."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="zone-", dir=TMP)

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def run_zone(self, *args, timeout=120):
        return subprocess.run([BIN, "zone", *args], capture_output=True, timeout=timeout)

    def grade(self, text, date, *extra, name="series.csv"):
        """Run zone on text; assert success; return {code: (level, reason)}
        in output order (as a list of rows too)."""
        path = self.write(name, text)
        p = self.run_zone("--series", path, "--date", date, *extra)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stderr, b"")
        rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"))))
        self.assertEqual(rows[0], ["region_code", "level", "reason"])
        for r in rows[1:]:
            self.assertEqual(len(r), 3, r)
            self.assertIn(r[1], ("low", "medium", "high"))
            self.assertTrue(r[2], r)
        codes = [r[0] for r in rows[1:]]
        self.assertEqual(codes, sorted(codes), "output sorted by code")
        self.assertEqual(len(codes), len(set(codes)), "one row per region")
        return {r[0]: (r[1], r[2]) for r in rows[1:]}

    def refuse(self, text, date="2020-02-20", *extra):
        """Run zone on bad text: exit 1, nothing on stdout; return stderr."""
        path = self.write("bad.csv", text)
        p = self.run_zone("--series", path, "--date", date, *extra)
        self.assertEqual(p.returncode, 1, p.stdout.decode() + p.stderr.decode())
        self.assertEqual(p.stdout, b"", "no output on bad input")
        return p.stderr.decode()


def csv_text(rows, header=HEADER):
    return "\n".join([header] + [",".join(str(v) for v in r) for r in rows]) + "\n"


class TestZoneCommand(ZoneCase):

    def test_help(self):
        p = self.run_zone("--help")
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        self.assertIn("usage: fangkong zone --series FILE.csv --date YYYY-MM-DD", out)
        for rule in ("county-2020-02", "area-2021", "area-2022-06", "area-2022-11"):
            self.assertIn(rule, out)

    def test_usage_errors_exit_2(self):
        path = self.write("ok.csv", csv_text([("2020-02-01", "420100", 1, 0)]))
        for args, says in [
            ((), "--series and --date are required"),
            (("--series", path), "--series and --date are required"),
            (("--series", path, "--date", "2020-02-30"), "is not a date"),
            (("--series", path, "--date", "20.02.2020"), "is not a date"),
            (("--series", path, "--date", "2020-02-20", "--rule", "county-2020"),
             "unknown rule set 'county-2020'"),
            (("--series", path, "--date", "2020-02-20", "--lang", "fr"), "--lang"),
            (("--series", path, "--date", "2020-02-20", "extra"), "unexpected argument"),
        ]:
            with self.subTest(args=args):
                p = self.run_zone(*args)
                self.assertEqual(p.returncode, 2)
                self.assertEqual(p.stdout, b"")
                self.assertIn(says, p.stderr.decode())
        p = self.run_zone("--series", os.path.join(self.dir, "missing.csv"), "--date", "2020-02-20")
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.csv", p.stderr.decode())

    # -- R4.1 through the command line: the edges of the rule table --------------

    def test_county_rule_edges(self):
        d = "2020-02-20"
        rows = [
            # 420102: cumulative exactly 50, a cluster yesterday -> medium (strictly > 50)
            (plus(d, -1), "420102", 50, 1),
            # 420103: 51 -> high
            (plus(d, -1), "420103", 51, 1),
            # 420104: last case exactly 14 days ago -> low (C3)
            (plus(d, -14), "420104", 5, 0),
            # 420105: last case 13 days ago -> medium
            (plus(d, -13), "420105", 5, 0),
            # 420107: a cluster exactly 13 days ago (inside [D-13, D]) -> high
            (plus(d, -13), "420107", 60, 1), (plus(d, -2), "420107", 7, 0),
            # 420111: a cluster exactly 14 days ago (outside) -> medium
            (plus(d, -14), "420111", 60, 1), (plus(d, -2), "420111", 7, 0),
            # 420112: no case -> low
            (plus(d, -3), "420112", 0, 0),
        ]
        got = self.grade(csv_text(rows), d, "--rule", "county-2020-02")
        self.assertEqual(got["420102"][0], "medium")
        self.assertIn("cumulative 50 <= 50", got["420102"][1])
        self.assertEqual(got["420103"], ("high", "cumulative 51 > 50 and a cluster on 2020-02-19"))
        self.assertEqual(got["420104"][0], "low")
        self.assertIn("last new case 2020-02-06, 14 days ago", got["420104"][1])
        self.assertEqual(got["420105"][0], "medium")
        self.assertEqual(got["420107"], ("high", "cumulative 67 > 50 and a cluster on 2020-02-07"))
        self.assertEqual(got["420111"][0], "medium")
        self.assertIn("cumulative 67 > 50 but no cluster within 14 days", got["420111"][1])
        self.assertEqual(got["420112"], ("low", "no confirmed case so far (cumulative 0)"))
        # the default rule is county-2020-02
        self.assertEqual(self.grade(csv_text(rows), d), got)

    def test_any_order_missing_days_extra_columns(self):
        """Columns in any order with extra ones, rows in any order, days
        missing (zero): the same grades as the tidy file."""
        tidy = csv_text([("2020-02-01", "420106", 40, 0), ("2020-02-10", "420106", 27, 2),
                         ("2020-02-12", "420111", 3, 0)])
        messy = ("note,new_clusters,region_code,new_confirmed,date,new_asymptomatic\n"
                 "x,0,420111,3,2020-02-12,5\n"
                 "\"a, quoted note\",2,420106,27,2020-02-10,0\n"
                 ",0,420106,40,2020-02-01,9\n")
        a = self.grade(tidy, "2020-02-15", name="tidy.csv")
        b = self.grade(messy, "2020-02-15", name="messy.csv")
        self.assertEqual(a, b)
        self.assertEqual(a["420106"], ("high", "cumulative 67 > 50 and a cluster on 2020-02-10"))

    def test_only_rows_up_to_the_date(self):
        text = csv_text([("2020-02-10", "420106", 60, 1), ("2020-02-21", "420106", 9, 1),
                         ("2020-02-25", "420111", 100, 1)])
        got = self.grade(text, "2020-02-20")
        self.assertEqual(got["420106"], ("high", "cumulative 60 > 50 and a cluster on 2020-02-10"))
        # a region whose rows are all later is still listed, with no case so far
        self.assertEqual(got["420111"], ("low", "no confirmed case so far (cumulative 0)"))
        # the cases of the grading day count
        got = self.grade(text, "2020-02-21")
        self.assertIn("cumulative 69 > 50 and a cluster on 2020-02-21", got["420106"][1])

    def test_without_clusters_no_county_is_high(self):
        got = self.grade("date,region_code,new_confirmed\n2020-02-19,420106,5000\n", "2020-02-20")
        self.assertEqual(got["420106"][0], "medium")
        self.assertIn("no cluster within 14 days", got["420106"][1])

    def test_city_takes_its_districts_highest_level(self):
        """R4.1 (Hubei): a city's urban area takes its districts' highest
        level; counties (县) and county-level cities (市) do not lift it."""
        rows = [
            ("2020-02-12", "420100", 5, 0),      # 武汉市: medium on its own
            ("2020-02-10", "420106", 70, 1),     # 武昌区: high
            ("2020-02-11", "420111", 80, 1),     # 洪山区: high too
            ("2020-02-12", "420102", 3, 0),      # 江岸区: medium
            ("2020-02-12", "421100", 5, 0),      # 黄冈市: medium
            ("2020-02-10", "421181", 70, 1),     # 麻城市 (county-level city under 黄冈): high
            ("2020-02-12", "420200", 5, 0),      # 黄石市, none of its districts in the input
        ]
        got = self.grade(csv_text(rows), "2020-02-17")
        self.assertEqual(got["420100"][0], "high")
        self.assertTrue(got["420100"][1].startswith(
            "highest of its districts: 420106 high (and 1 more); own level medium: "
            "new case within 14 days (last 2020-02-12)"), got["420100"][1])
        self.assertEqual(got["420106"][0], "high")
        self.assertEqual(got["420102"][0], "medium")
        self.assertEqual(got["421100"][0], "medium", "a county-level city does not lift its city")
        self.assertEqual(got["421181"][0], "high")
        self.assertEqual(got["420200"][0], "medium")
        zh = self.grade(csv_text(rows), "2020-02-17", "--lang", "zh")
        self.assertTrue(zh["420100"][1].startswith("取其市辖区最高等级：420106 高风险"), zh["420100"][1])
        # the later rules grade each unit on its own
        a = self.grade(csv_text(rows), "2020-02-17", "--rule", "area-2021")
        self.assertEqual(a["420100"][0], "medium")
        self.assertEqual(a["420106"][0], "high")

    def test_chinese_reasons(self):
        text = csv_text([("2020-02-01", "420106", 40, 0), ("2020-02-10", "420106", 27, 2),
                         ("2020-02-03", "429021", 10, 0)])
        got = self.grade(text, "2020-02-17", "--lang", "zh")
        self.assertEqual(got["420106"], ("high", "累计确诊67例（>50例），14天内有聚集性疫情（2020-02-10）"))
        self.assertEqual(got["429021"][0], "low")
        self.assertIn("已连续14天无新增", got["429021"][1])

    # -- the later rule sets --------------------------------------------------

    def test_area_2021(self):
        rows = [("2021-08-01", "420102", 4, 0), ("2021-08-10", "420102", 5, 0),   # 9
                ("2021-08-01", "420103", 5, 0), ("2021-08-10", "420103", 5, 0),   # 10
                ("2021-07-20", "420104", 12, 0)]                                  # high on 07-20
        got = self.grade(csv_text(rows), "2021-08-10", "--rule", "area-2021")
        self.assertEqual(got["420102"][0], "medium")
        self.assertIn("9 cases within 14 days on 2021-08-10 (< 10)", got["420102"][1])
        self.assertEqual(got["420103"][0], "high")
        self.assertEqual(got["420104"][0], "medium")           # 21 quiet days
        self.assertEqual(self.grade(csv_text(rows), "2021-08-02", "--rule",
                                    "area-2021")["420104"][0], "high")
        self.assertEqual(self.grade(csv_text(rows), "2021-08-03", "--rule",
                                    "area-2021")["420104"][0], "medium")   # 14 quiet days
        self.assertEqual(self.grade(csv_text(rows), "2021-08-16", "--rule",
                                    "area-2021")["420104"][0], "medium")   # 27
        self.assertEqual(self.grade(csv_text(rows), "2021-08-17", "--rule",
                                    "area-2021")["420104"][0], "low")      # 28

    def test_area_2022_rules_count_asymptomatic(self):
        text = ("date,region_code,new_confirmed,new_asymptomatic\n"
                "2022-07-01,420106,0,1\n")
        for date, jun, nov in [("2022-07-01", "high", "high"), ("2022-07-05", "high", "high"),
                               ("2022-07-06", "high", "low"),
                               ("2022-07-07", "high", "low"), ("2022-07-08", "medium", "low"),
                               ("2022-07-10", "medium", "low"), ("2022-07-11", "low", "low")]:
            with self.subTest(date=date):
                self.assertEqual(self.grade(text, date, "--rule", "area-2022-06")["420106"][0], jun)
                self.assertEqual(self.grade(text, date, "--rule", "area-2022-11")["420106"][0], nov)
        # before 2022 asymptomatic infections do not count (C5)
        self.assertEqual(self.grade(text, "2022-07-01")["420106"][0], "low")

    def test_codes_of_either_list(self):
        """MCA-2019 codes retired since (公主岭 220381) are known codes."""
        got = self.grade(csv_text([("2020-02-01", "220381", 3, 0),
                                   ("2020-02-01", "110101", 3, 0)]), "2020-02-05")
        self.assertEqual(sorted(got), ["110101", "220381"])

    def test_header_only_and_bom(self):
        self.assertEqual(self.grade(HEADER + "\n", "2020-02-20"), {})
        got = self.grade("\ufeff" + csv_text([("2020-02-19", "420106", 60, 1)]), "2020-02-20")
        self.assertEqual(got["420106"][0], "high")

    # -- bad input: row and column named, nothing written, exit 1 ---------------

    def test_bad_rows_are_named(self):
        cases = [
            ("2020/02/01,420106,1,0", "date", "is not a date"),
            ("2020-02-30,420106,1,0", "date", "is not a date"),
            ("2020-02-01,4201,1,0", "region_code", "is not a region code"),
            ("2020-02-01,119999,1,0", "region_code", "not in the administrative division lists"),
            ("2020-02-01,420106,-3,0", "new_confirmed", "is negative"),
            ("2020-02-01,420106,1.5,0", "new_confirmed", "is not a whole number"),
            ("2020-02-01,420106,two,0", "new_confirmed", "is not a whole number"),
            ("2020-02-01,420106,,0", "new_confirmed", "is empty"),
            ("2020-02-01,420106,1,-1", "new_clusters", "is negative"),
            ("2020-02-01,420106,1000001,0", "new_confirmed", "is more than 1000000"),
            ("2020-02-01,420106", "new_confirmed", "the row has 2 fields, the header 4"),
        ]
        for line, column, says in cases:
            with self.subTest(line=line):
                text = csv_text([("2020-02-02", "420106", 1, 0)]) + line + "\n"
                err = self.refuse(text)
                self.assertIn("bad.csv: row 3, column %s: " % column, err)
                self.assertIn(says, err)
                self.assertIn("1 bad row: nothing graded", err)

    def test_every_bad_row_is_listed(self):
        text = csv_text([("2020-02-01", "420106", 1, 0),
                         ("2020-02-02", "420106", "x", 0),     # row 3
                         ("2020-02-03", "999999", 1, 0),       # row 4
                         ("2020-02-04", "420106", 1, 0),
                         ("2020-02-01", "420106", 2, 0)])      # row 6 repeats row 2
        err = self.refuse(text)
        self.assertIn("row 3, column new_confirmed", err)
        self.assertIn("row 4, column region_code", err)
        self.assertIn("row 6, column date: region 420106 on 2020-02-01 repeats row 2", err)
        self.assertIn("3 bad rows: nothing graded", err)
        # rows after the grading date are checked too
        err = self.refuse(csv_text([("2020-03-01", "420106", -1, 0)]))
        self.assertIn("row 2, column new_confirmed", err)

    def test_dates_in_any_order_but_each_once(self):
        rows = [("2020-02-10", "420106", 30, 1), ("2020-02-01", "420106", 40, 0),
                ("2020-02-05", "420111", 1, 0)]
        self.assertEqual(self.grade(csv_text(rows), "2020-02-15")["420106"][0], "high")
        err = self.refuse(csv_text(rows + [("2020-02-10", "420106", 1, 0)]))
        self.assertIn("row 5, column date: region 420106 on 2020-02-10 repeats row 2", err)

    def test_header_problems(self):
        for header, column in [("date,new_confirmed", "region_code"),
                               ("region_code,new_confirmed", "date"),
                               ("date,region_code", "new_confirmed"),
                               ("date,region_code,new_confirmed,date", "date")]:
            with self.subTest(header=header):
                err = self.refuse(header + "\n2020-02-01,420106,1\n")
                self.assertIn("row 1, column %s" % column, err)
        err = self.refuse("")
        self.assertIn("no header", err)
        err = self.refuse(HEADER + '\n2020-02-01,"420106,1,0\n')
        self.assertIn("malformed CSV", err)

    def test_span_is_bounded(self):
        err = self.refuse(csv_text([("2016-01-01", "420106", 1, 0)]), "2020-02-20")
        self.assertIn("row 2, column date: date 2016-01-01 is more than 1499 days before", err)


# ---- the real data of ../shared/data ------------------------------------------------

def plain_series_from_city_file(path, provinces, until):
    """Turn canghailan's cumulative city rows into the plain format.

    Daily new = the rise of the cumulative confirmed count over the unit's
    previous row.  The quirks of the file (its README, "Quirks") and what
    is done with each, all reported in `notes`:
      - the first row of a unit counts its whole total as new that day
        (cases before the unit's first report land on that day);
      - a decreasing total (Hubei's downward revisions of 10-20 Feb) counts
        0 new, and the rise after it counts in full.  So a one-day glitch
        (苏州 52 -> 2 -> 60) adds 58 and the summed cumulative overshoots
        the published one; that is the safe error for grading.  Counting
        only the rise above the earlier high instead would hide new cases
        after a real revision and could grade a county low too early;
      - a missing day (Wuhan has no row on 20-22 Jan) is a gap: its rise
        is counted on the day the unit reappears (zone fills zeros);
      - rows without a code (待明确地区, prisons, zones) are skipped.
    provinces: a set of province codes, or None for all.
    Returns (csv text, {code: {date: new}}, notes)."""
    by_code = collections.defaultdict(list)
    notes = {"skipped": collections.Counter(), "decreases": [], "gaps": []}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if (provinces and r["province_code"] not in provinces) or r["date"] > until:
                continue
            if not r["city_code"] or r["kind"] not in ("prefecture", "county"):
                notes["skipped"][r["kind"]] += 1
                continue
            by_code[r["city_code"]].append((r["date"], int(r["confirmed"])))
    series = {}
    lines = ["date,region_code,new_confirmed"]
    for code, rows in sorted(by_code.items()):
        rows.sort()
        prev_total, prev_date, daily = 0, None, {}
        for date, total in rows:
            if prev_date and (day(date) - day(prev_date)).days > 1:
                notes["gaps"].append((code, prev_date, date))
            if total < prev_total:
                notes["decreases"].append((code, date, total - prev_total))
            daily[date] = max(0, total - prev_total)
            prev_total, prev_date = total, date
        series[code] = daily
        lines += ["%s,%s,%d" % (d, code, n) for d, n in sorted(daily.items())]
    return "\n".join(lines) + "\n", series, notes


def reference_county_rule(daily, date, cluster_days=()):
    """R4.1 written out again in Python, for comparison with the binary."""
    d = day(date)
    cumulative = sum(n for x, n in daily.items() if day(x) <= d)
    new_days = [day(x) for x, n in daily.items() if n > 0 and day(x) <= d]
    if cumulative == 0 or max(new_days) <= d - datetime.timedelta(days=14):
        return "low"
    if cumulative > 50 and any(0 <= (d - day(c)).days <= 13 for c in cluster_days):
        return "high"
    return "medium"


@unittest.skipUnless(os.path.isfile(os.path.join(SHARED_DATA, "china_city_daily_2020.csv")),
                     "../shared/data is not beside the repository")
class TestZoneRealData(ZoneCase):
    """Hubei's 17 prefecture-level units from china_city_daily_2020.csv."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.text, cls.series, cls.notes = plain_series_from_city_file(
            os.path.join(SHARED_DATA, "china_city_daily_2020.csv"), {"420000"}, "2020-02-20")

    def test_quirks_are_met_and_reported(self):
        # every Hubei unit of the file, no more
        self.assertEqual(len(self.series), 17)
        # the README's downward revisions: 荆门 -107 on the 20th, 咸宁 -36 and -66
        self.assertIn(("420800", "2020-02-20", -107), self.notes["decreases"])
        self.assertIn(("421200", "2020-02-19", -36), self.notes["decreases"])
        self.assertIn(("421200", "2020-02-20", -66), self.notes["decreases"])
        self.assertEqual(len(self.notes["decreases"]), 21)   # as listed in the file
        # Wuhan's missing rows of 20-22 Jan
        self.assertIn(("420100", "2020-01-19", "2020-01-23"), self.notes["gaps"])
        # 待明确地区 rows have no code and are left out
        self.assertGreater(self.notes["skipped"]["unassigned"], 0)

    def test_hubei_on_2020_02_20(self):
        """No cluster column: the 2020 county rule's HIGH needs a cluster, so
        Wuhan, with a cumulative far over 50 and new cases every day, is
        medium -- what the rule gives on these data, not a judgement of
        Wuhan in February 2020 (clusters are not in the file)."""
        got = self.grade(self.text, "2020-02-20", name="hubei.csv")
        self.assertEqual(sorted(got), sorted(self.series))
        wuhan_total = sum(self.series["420100"].values())
        self.assertEqual(wuhan_total, 45027)   # no decrease in Wuhan up to the 20th
        self.assertEqual(got["420100"], (
            "medium", "new case within 14 days (last 2020-02-20); cumulative 45027 > 50 "
                      "but no cluster within 14 days"))
        # 神农架: 10 cases, the last on 2020-02-03, 17 days before
        self.assertEqual(got["429021"][0], "low")
        self.assertIn("last new case 2020-02-03, 17 days ago", got["429021"][1])
        # every unit as the rule, written again in Python, says
        for code, daily in self.series.items():
            self.assertEqual(got[code][0], reference_county_rule(daily, "2020-02-20"), code)

    def test_the_14_day_edge_in_real_data(self):
        """神农架's last new case is 2020-02-03: low exactly 14 days later
        (C3), medium one day before."""
        got = self.grade(self.text, "2020-02-17", name="hubei.csv")
        self.assertEqual(got["429021"], (
            "low", "last new case 2020-02-03, 14 days ago (>= 14 days without one: low)"))
        got = self.grade(self.text, "2020-02-16", name="hubei.csv")
        self.assertEqual(got["429021"][0], "medium")
        self.assertIn("cumulative 10 <= 50", got["429021"][1])

    def test_a_cluster_column_makes_wuhan_high(self):
        """Add new_clusters: one cluster in Wuhan on 2020-02-10 (inside the 14
        days before the 20th) and one on 2020-02-06 (14 days before: outside)."""
        clusters = {("420100", "2020-02-10"): 1, ("420200", "2020-02-06"): 1}
        lines = self.text.splitlines()
        out = [lines[0] + ",new_clusters"]
        for line in lines[1:]:
            date, code, _ = line.split(",")
            out.append(line + ",%d" % clusters.get((code, date), 0))
        got = self.grade("\n".join(out) + "\n", "2020-02-20", name="hubei-clusters.csv")
        self.assertEqual(got["420100"], ("high", "cumulative 45027 > 50 and a cluster on 2020-02-10"))
        self.assertEqual(got["420200"][0], "medium")
        self.assertIn("no cluster within 14 days", got["420200"][1])
        for code, daily in self.series.items():
            cl = [d for (c, d) in clusters if c == code]
            self.assertEqual(got[code][0], reference_county_rule(daily, "2020-02-20", cl), code)

    def test_the_whole_country(self):
        """Every unit with a code, all provinces, through 2020-03-31: every
        code is known to the built-in lists, and every level is what the
        rule, written again in Python, gives."""
        text, series, notes = plain_series_from_city_file(
            os.path.join(SHARED_DATA, "china_city_daily_2020.csv"), None, "2020-03-31")
        self.assertGreater(len(series), 300)
        got = self.grade(text, "2020-03-31", name="china.csv")
        self.assertEqual(sorted(got), sorted(series))
        levels = collections.Counter(level for level, _ in got.values())
        self.assertGreater(levels["low"], 0)
        self.assertGreater(levels["medium"], 0)
        for code, daily in series.items():
            if got[code][1].startswith("highest of its districts"):
                continue   # a city lifted by a district: checked in the small tests
            self.assertEqual(got[code][0], reference_county_rule(daily, "2020-03-31"), code)


if __name__ == "__main__":
    unittest.main()
