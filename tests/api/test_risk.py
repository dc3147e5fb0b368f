"""Regional risk (issue 5; RULES.md §4, §5.3): the case series imported in
the plain format, risk grading by the rule sets of §4 at their edges
(cumulative exactly 50; the last case exactly 13 and 14 days ago; a
cluster exactly 13 and 14 days ago), the history of changes with its
reasons, a city taking the highest level of its districts, the 2021 and
2022 rule sets, officials' overrides with their audit, the provincial
response levels I-IV, and bad series files (all or nothing, naming the
row and column).

setUpClass imports one plain series file holding every region the tests
grade (an import replaces the plain rows of its date range, so one file
keeps them all) and grades 2020-02-01 .. 2020-03-01 under the default
county rule. D = 2020-03-01 is the grading day of the edge tests.
The 2021 and 2022 rule sets are graded over their own dates; the
history tests look only at changes dated inside the county grading.
"""

import re
import unittest

import fk

CJK = re.compile("[\u4e00-\u9fff]")

D = "2020-03-01"
GRADE_FROM = "2020-02-01"


def d(n, base=D):
    """base + n days."""
    return fk.add_days(base, n)


# (date, region, new_confirmed, new_clusters, new_asymptomatic)
COUNTY_ROWS = [
    # 110101 东城: cumulative exactly 50, a cluster 3 days ago -> medium (not high)
    (d(-10), "110101", 48, 0, 0),
    (d(-3), "110101", 2, 1, 0),
    # 110102 西城: cumulative 51, a cluster 3 days ago -> high
    (d(-10), "110102", 49, 0, 0),
    (d(-3), "110102", 2, 1, 0),
    # 110105 朝阳: last case exactly 14 days before D -> low
    (d(-14), "110105", 5, 0, 0),
    # 110106 丰台: last case 13 days before D -> medium
    (d(-13), "110106", 5, 0, 0),
    # 110107 石景山: cumulative 61, a cluster exactly 13 days ago -> high
    (d(-25), "110107", 60, 0, 0),
    (d(-13), "110107", 1, 1, 0),
    # 110109 门头沟: cumulative 62, a cluster exactly 14 days ago, a case 10 days ago -> medium
    (d(-25), "110109", 60, 0, 0),
    (d(-14), "110109", 1, 1, 0),
    (d(-10), "110109", 1, 0, 0),
    # 110111 房山: only zeros -> low
    (d(-20), "110111", 0, 0, 0),
    # 110108 海淀: a few cases 10 days ago (medium); the overrides' region
    (d(-10), "110108", 3, 0, 0),
    # 110113 顺义: asymptomatic infections only -> low under the 2020 rule (C5)
    (d(-5), "110113", 0, 0, 40),
    # Wuhan (a row of its own, and districts): 江岸 high, 武昌 medium, 洪山 low
    # -> the city takes high
    (d(-29), "420100", 0, 0, 0),
    (d(-29), "420102", 60, 0, 0),
    (d(-4), "420102", 2, 1, 0),
    (d(-4), "420106", 3, 0, 0),
    (d(-20), "420111", 1, 0, 0),
    # 黄石 (a zero row of its own): 黄石港区 1234 cases, no cluster -> medium,
    # and the city takes it (a long reason)
    (d(-29), "420200", 0, 0, 0),
    (d(-10), "420202", 1234, 0, 0),
    # 宜昌 (a zero row of its own): 远安县, a county, not part of the urban area, high
    (d(-29), "420500", 0, 0, 0),
    (d(-29), "420525", 60, 0, 0),
    (d(-4), "420525", 2, 1, 0),
    # 十堰: districts only, no row for the city: 茅箭区 high, the city gets no level
    (d(-29), "420302", 60, 0, 0),
    (d(-4), "420302", 2, 1, 0),
]

# The 2021 rule (R4.3), D21 = 2021-06-01: <10 local cases within 14 days ->
# medium, >=10 -> high; 14 days without a case moves one level down.
D21 = "2021-06-01"
ROWS_2021 = [
    (d(-5, D21), "110114", 9, 0, 0),       # 昌平: 9 -> medium
    (d(-5, D21), "110115", 10, 0, 0),      # 大兴: 10 -> high
    (d(-14, D21), "110116", 5, 0, 0),      # 怀柔: 5 at D-14 and 5 at D -> 5 in the window: medium
    (D21, "110116", 5, 0, 0),
    (d(-13, D21), "110117", 5, 0, 0),      # 平谷: 5 at D-13 and 5 at D -> 10: high
    (D21, "110117", 5, 0, 0),
    (d(-31, D21), "110118", 10, 0, 0),     # 密云: high on 05-01, medium 05-15, low 05-29
]

# The Nov 2022 rule (R4.5), D22 = 2022-12-01: only high and low; any
# infection (asymptomatic included) -> high; 5 days without one -> low.
D22 = "2022-12-01"
ROWS_2022 = [
    (d(-2, D22), "110119", 0, 0, 1),       # 延庆: one asymptomatic infection -> high
    (d(-5, D22), "120101", 1, 0, 0),       # 天津和平: last infection 5 days ago -> low
    (d(-4, D22), "120102", 1, 0, 0),       # 天津河东: 4 days ago -> high
]

# The Jun 2022 rule (R4.4): a new infection -> high for 7 days, medium
# for 3 more, then low (high_hold 7, medium_hold 3).
ROWS_2022_06 = [
    ("2022-07-20", "130102", 0, 0, 1),     # 石家庄长安: an asymptomatic infection
    ("2022-07-25", "130104", 1, 0, 0),     # 石家庄桥西: a confirmed case
]

ALL_ROWS = COUNTY_ROWS + ROWS_2021 + ROWS_2022 + ROWS_2022_06

CHANGE_FIELDS = ("region_code", "name", "level_of", "date", "level", "rule", "reason",
                 "override", "until", "by", "at")
LEVELS = ("low", "medium", "high")


class RiskTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        off = cls.s["official"]
        cls.import_answer = fk.seed_series(off, fk.series_csv(ALL_ROWS))
        r = off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D})
        assert r.status == 200, r
        cls.grade_answer = r.json()
        r = off.get("/api/v1/risk?date=" + D)
        assert r.status == 200, r
        cls.risk_after_grading = r.json()

    # ---- helpers ------------------------------------------------------------

    def risk(self, date, session=None, query=""):
        r = (session or self.s["analyst"]).get("/api/v1/risk?date=" + date + query)
        self.assertStatus(r, 200)
        return r.json()

    def level(self, code, date, session=None):
        """The row of code in GET /risk?date= (None if it has none)."""
        rows = [x for x in self.risk(date, session, "&prefix=" + code)["items"]
                if x["region_code"] == code]
        self.assertLessEqual(len(rows), 1,
                             "GET /risk lists %s %d times: %r" % (code, len(rows), rows))
        return rows[0] if rows else None

    def assertLevel(self, code, date, level, msg=None):
        row = self.level(code, date)
        self.assertIsNotNone(row, "%s has no level on %s" % (code, date))
        self.assertEqual(row["level"], level, "%s on %s: %r %s" % (code, date, row, msg or ""))
        return row

    def history(self, code, session=None):
        r = (session or self.s["staff"]).get("/api/v1/risk/%s/history" % code)
        self.assertStatus(r, 200)
        return r.json()

    def county_changes(self, code):
        """The computed changes of code dated inside the county grading."""
        return [c for c in self.history(code)["changes"]
                if not c["override"] and GRADE_FROM <= c["date"] <= D]

    def series(self, query, session=None):
        r = (session or self.s["official"]).get("/api/v1/series" + query)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def assertBilingual(self, obj, what):
        self.assertIsInstance(obj, dict, what)
        self.assertTrue(CJK.search(obj.get("zh") or ""), "%s: zh has no Chinese: %r" % (what, obj))
        self.assertTrue(re.search("[A-Za-z]{3}", obj.get("en") or ""),
                        "%s: en has no English: %r" % (what, obj))
        self.assertNotEqual(obj["zh"], obj["en"], what)

    def assertReasonMentions(self, change, *needles):
        for lang in ("zh", "en"):
            for n in needles:
                self.assertIn(str(n), change["reason"][lang],
                              "reason (%s) of %s %s should mention %s: %r"
                              % (lang, change["region_code"], change["date"], n, change["reason"]))

    def assertImportRefused(self, text, row, column):
        """A bad series file: 400 naming row and column; nothing stored."""
        before = self.series("?from=2019-01-01&to=2023-12-31")
        r = fk.import_series(self.s["official"], text)
        e = self.assertError(r, 400)
        body = r.json()
        if "problems" in body:
            self.assertIn((row, column),
                          [(p.get("row"), p.get("column")) for p in body["problems"]], r)
        else:
            self.assertEqual(e.get("field"), column, r)
            self.assertRegex(e["message"], r"\brow %d\b" % row, r)
        self.assertEqual(self.series("?from=2019-01-01&to=2023-12-31"), before,
                         "a refused import changed the series")
        return body

    # ---- the series -------------------------------------------------------------

    def test_import_answer_and_series(self):
        self.assertIsInstance(self.import_answer, dict)
        items = self.series("?region=110101&from=2020-01-01&to=2020-12-31")
        self.assertEqual(sorted((x["date"], x["region_code"], x["new_confirmed"], x["new_clusters"],
                                 x["new_asymptomatic"]) for x in items),
                         sorted(x for x in COUNTY_ROWS if x[1] == "110101"))
        for x in items:
            self.assertEqual(x["source"], "plain", x)
        # prefix, dates and source filter
        hubei = self.series("?region=42&from=2020-01-01&to=2020-12-31")
        self.assertEqual({x["region_code"] for x in hubei},
                         {x[1] for x in COUNTY_ROWS if x[1].startswith("42")})
        self.assertEqual(self.series("?region=42&from=2020-02-27&to=2020-02-27"),
                         [x for x in hubei if x["date"] == "2020-02-27"])
        self.assertEqual(len(self.series("?region=42&from=2020-01-01&to=2020-12-31&source=plain")),
                         len(hubei))
        self.assertEqual(self.series("?region=42&from=2020-01-01&to=2020-12-31&source=dxy"), [])
        # every signed-in role may read the series
        for who in fk.DEMO:
            self.assertStatus(self.s[who].get("/api/v1/series?region=11"), 200)
        self.assertError(self.s["official"].get("/api/v1/series?region=abc"), 400, field="region")
        self.assertError(self.s["official"].get("/api/v1/series?from=2020-02-30"), 400,
                         field="from")
        self.assertError(self.req("GET", "/api/v1/series"), 401)

    def test_official_imports_over_http(self):
        # SPEC5: POST /series/import?format=plain, text/csv body, official
        text = fk.series_csv([("2019-05-01", "110101", 3, 0, 0), ("2019-05-03", "110101", 1, 1, 0),
                              ("2019-05-02", "110102", 2, 0, 1)])
        r = self.s["official"].post("/api/v1/series/import?format=plain&source=http", raw=text,
                                    content_type="text/csv")
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual((body["format"], body["source"], body["rows"], body["from"], body["to"],
                          body["stored"], body["stored_rows"], body["stored_regions"],
                          body["problems"]),
                         ("plain", "http", 3, "2019-05-01", "2019-05-03", True, 3, 2, []))
        self.assertEqual(len(self.series("?from=2019-05-01&to=2019-05-31&source=http")), 3)
        audit = self.s["admin"].get("/api/v1/audit?limit=100").json()["items"]
        self.assertTrue([a for a in audit
                         if (a["action"], a["object_type"], a["object_id"], a["username"])
                         == ("import", "series", "http", "official")], audit[:5])
        # "fangkong" holds the cases registered here
        r = self.s["official"].post("/api/v1/series/import?format=plain&source=fangkong", raw=text,
                                    content_type="text/csv")
        self.assertError(r, 400, field="source")
        # not text/csv
        r = self.s["official"].post("/api/v1/series/import?format=plain", raw=text,
                                    content_type="application/json")
        self.assertError(r, 415)

    def test_only_officials_import(self):
        text = fk.series_csv([("2020-01-15", "110101", 1, 0, 0)])
        for who in ("office", "head", "staff", "analyst", "admin"):
            self.assertError(fk.import_series(self.s[who], text), 403)
        self.assertEqual(self.series("?region=110101&from=2020-01-15&to=2020-01-15"), [])

    def test_bad_series_files_are_refused_naming_row_and_column(self):
        good = [("2019-06-01", "110101", 1, 0, 0), ("2019-06-02", "110102", 2, 0, 0)]
        # a negative count in the third data row (row 4: the header is row 1)
        self.assertImportRefused(fk.series_csv(good + [("2019-06-03", "110101", -1, 0, 0)]),
                                 4, "new_confirmed")
        self.assertImportRefused(fk.series_csv(good + [("2019-06-03", "110101", 1, -2, 0)]),
                                 4, "new_clusters")
        self.assertImportRefused(fk.series_csv(good + [("2019-06-03", "110101", 1, 0, -3)]),
                                 4, "new_asymptomatic")
        # an unknown region code, a code that is not six digits
        self.assertImportRefused(fk.series_csv([("2019-06-01", "119999", 1, 0, 0)] + good),
                                 2, "region_code")
        self.assertImportRefused(fk.series_csv(good + [("2019-06-03", "1101", 1, 0, 0)]),
                                 4, "region_code")
        # unreadable dates
        for bad in ("2019-02-30", "2019/06/03", "03.06.2019", "", "2019-6-3"):
            self.assertImportRefused(fk.series_csv(good + [(bad, "110101", 1, 0, 0)]), 4, "date")
        # a count that is not a whole number
        for bad in ("x", "1.5", ""):
            self.assertImportRefused(fk.series_csv(good + [("2019-06-03", "110101", bad, 0, 0)]),
                                     4, "new_confirmed")
        # dates out of order within a region
        self.assertImportRefused(
            fk.series_csv([("2019-06-05", "110101", 1, 0, 0), ("2019-06-02", "110102", 1, 0, 0),
                           ("2019-06-04", "110101", 1, 0, 0)]), 4, "date")
        # a row missing a column
        self.assertImportRefused(fk.series_csv(good + ["2019-06-03,110101"]), 4, "new_confirmed")

    def test_missing_column_in_the_header(self):
        before = self.series("?from=2019-01-01&to=2023-12-31")
        for header, column in (("date,region_code", "new_confirmed"),
                               ("region_code,new_confirmed", "date"),
                               ("date,new_confirmed", "region_code")):
            values = ["2019-06-01", "110101", "1"][:header.count(",") + 1]
            text = header + "\n" + ",".join(values) + "\n"
            r = fk.import_series(self.s["official"], text)
            e = self.assertError(r, 400)
            named = {e.get("field")} | {p.get("column") for p in r.json().get("problems", [])}
            self.assertIn(column, named, r)
        # an empty body
        self.assertError(fk.import_series(self.s["official"], ""), 400)
        self.assertEqual(self.series("?from=2019-01-01&to=2023-12-31"), before)

    def test_the_three_optional_columns_may_be_left_out(self):
        r = fk.import_series(self.s["official"],
                             "date,region_code,new_confirmed\n2019-07-01,110101,4\n")
        self.assertIn(r.status, (200, 201), r)
        items = self.series("?region=110101&from=2019-07-01&to=2019-07-01")
        self.assertEqual([(x["new_confirmed"], x["new_clusters"], x["new_asymptomatic"])
                          for x in items], [(4, 0, 0)])
        # an unknown format
        self.assertError(fk.import_series(self.s["official"], "x\n", fmt="nope"), 400,
                         field="format")

    # ---- grading: the county rule of 17 Feb 2020 (R4.1) --------------------------

    def test_grade_answer(self):
        g = self.grade_answer
        for k in ("regions", "days", "changes", "last_day"):
            self.assertIn(k, g)
        self.assertEqual(g["days"], 30)                      # 2020-02-01 .. 2020-03-01
        # every region with a series up to `to`
        self.assertEqual(g["regions"], len({x[1] for x in ALL_ROWS if x[0] <= D}))
        self.assertGreater(g["changes"], 0)
        self.assertEqual(g["last_day"], self.risk_after_grading["counts"])
        self.assertGreaterEqual(g["last_day"]["high"], 3)      # 西城, 石景山, 江岸 (and their cities)

    def test_cumulative_exactly_50_is_medium_51_is_high(self):
        a = self.assertLevel("110101", D, "medium")
        b = self.assertLevel("110102", D, "high")
        for row in (a, b):
            self.assertEqual(row["rule"], "county-2020-02")
            self.assertFalse(row["override"])
        self.assertReasonMentions(b, 51, 50, d(-3))
        self.assertEqual(b["date"], d(-3))
        self.assertEqual(a["date"], d(-10))
        # the day before the cluster both are medium
        self.assertLevel("110102", d(-4), "medium")

    def test_last_case_14_days_ago_is_low_13_is_medium(self):
        low = self.assertLevel("110105", D, "low")
        self.assertEqual(low["date"], D)
        self.assertReasonMentions(low, d(-14))
        self.assertLevel("110105", d(-1), "medium")
        med = self.assertLevel("110106", D, "medium")
        self.assertEqual(med["date"], d(-13))
        # no case at all is low too
        self.assertLevel("110111", D, "low")

    def test_cluster_13_days_ago_is_high_14_is_medium(self):
        high = self.assertLevel("110107", D, "high")
        self.assertReasonMentions(high, 61, d(-13))
        med = self.assertLevel("110109", D, "medium")
        self.assertEqual(med["date"], D)
        # the day before, the cluster of 2020-02-16 was 13 days old: high
        self.assertLevel("110109", d(-1), "high")
        # cumulative > 50 with no cluster is medium
        self.assertLevel("110107", d(-14), "medium")

    def test_asymptomatic_infections_do_not_count_in_2020(self):
        self.assertLevel("110113", D, "low")

    def test_listing_shape_filters_and_roles(self):
        body = self.risk(D)
        self.assertEqual(body["date"], D)
        self.assertEqual(set(body["counts"]), set(LEVELS))
        self.assertEqual(sum(body["counts"].values()), len(body["items"]))
        for lv in LEVELS:
            self.assertEqual(body["counts"][lv], sum(1 for x in body["items"] if x["level"] == lv))
        codes = [x["region_code"] for x in body["items"]]
        self.assertEqual(len(codes), len(set(codes)), "a region listed twice")
        for x in body["items"]:
            for k in CHANGE_FIELDS:
                self.assertIn(k, x)
            self.assertIn(x["level"], LEVELS)
            self.assertIn(x["level_of"], ("province", "city", "county"))
            self.assertLessEqual(x["date"], D)
        dongcheng = next(x for x in body["items"] if x["region_code"] == "110101")
        self.assertEqual((dongcheng["name"], dongcheng["level_of"]), ("东城区", "county"))
        self.assertBilingual(dongcheng["reason"], "reason of 110101")
        # filters
        high = self.risk(D, query="&level=high")
        self.assertTrue(high["items"])
        self.assertEqual({x["level"] for x in high["items"]}, {"high"})
        self.assertEqual(high["counts"], body["counts"])
        wuhan = self.risk(D, query="&prefix=4201")
        self.assertTrue(wuhan["items"])
        self.assertTrue(all(x["region_code"].startswith("4201") for x in wuhan["items"]))
        # before any series there is nothing
        self.assertEqual(self.risk("2019-01-01")["items"], [])
        # any signed-in role reads; bad parameters
        for who in fk.DEMO:
            self.assertStatus(self.s[who].get("/api/v1/risk?date=" + D), 200)
        self.assertError(self.req("GET", "/api/v1/risk"), 401)
        self.assertError(self.s["staff"].get("/api/v1/risk?level=severe"), 400, field="level")
        self.assertError(self.s["staff"].get("/api/v1/risk?prefix=1x"), 400, field="prefix")
        self.assertError(self.s["staff"].get("/api/v1/risk?date=2020-13-01"), 400, field="date")

    def test_history_lists_each_change_once_with_reasons_and_series(self):
        h = self.history("110102")
        self.assertEqual(h["region_code"], "110102")
        changes = [c for c in h["changes"] if GRADE_FROM <= c["date"] <= D and not c["override"]]
        self.assertEqual([c["date"] for c in changes], sorted(c["date"] for c in changes),
                         "history is oldest first")
        # low (no case yet) -> medium on the first cases -> high on the cluster
        levels = [(c["date"], c["level"]) for c in changes]
        self.assertEqual(levels[-2:], [(d(-10), "medium"), (d(-3), "high")])
        if len(levels) == 3:
            self.assertEqual(levels[0][1], "low")
        self.assertLessEqual(len(levels), 3, levels)
        for c in changes:
            for k in CHANGE_FIELDS:
                self.assertIn(k, c)
            self.assertBilingual(c["reason"], "change of %s on %s" % (c["region_code"], c["date"]))
            self.assertEqual(c["rule"], "county-2020-02")
        # no two neighbours alike, in every region
        for code in {x[1] for x in COUNTY_ROWS}:
            ch = self.county_changes(code)
            for a, b in zip(ch, ch[1:]):
                self.assertNotEqual(a["level"], b["level"], "%s: a change to the same level: %r %r"
                                    % (code, a, b))
                self.assertLess(a["date"], b["date"], code)
        # 门头沟: medium, high on the cluster, medium again 14 days later
        self.assertEqual([(c["date"], c["level"]) for c in self.county_changes("110109")
                          if c["date"] >= d(-25)],
                         [(d(-25), "medium"), (d(-14), "high"), (D, "medium")])
        # the series of that one region, oldest first
        self.assertEqual([(s["date"], s["new_confirmed"], s["new_clusters"], s["new_asymptomatic"])
                          for s in h["series"]],
                         [(x[0], x[2], x[3], x[4]) for x in COUNTY_ROWS if x[1] == "110102"])
        # a malformed code
        self.assertError(self.s["staff"].get("/api/v1/risk/abc/history"), 404)

    def test_history_sums_the_sources_of_a_day(self):
        fk.seed_series(self.s["official"],
                       fk.series_csv([(d(-5), "110113", 1, 1, 2)]), source="second")
        day = [x for x in self.history("110113")["series"] if x["date"] == d(-5)]
        self.assertEqual([(x["new_confirmed"], x["new_clusters"], x["new_asymptomatic"])
                          for x in day], [(1, 1, 42)])

    def test_cases_registered_here_feed_the_series(self):
        off = self.s["official"]
        r = off.post("/api/v1/subjects", {"name": "延庆病例", "phone": "13911110000",
                                          "region_code": "110119"})
        self.assertStatus(r, 201)
        r = off.post("/api/v1/cases", {"subject_id": r.json()["id"], "classification": "confirmed",
                                       "onset_date": "2020-05-31", "report_date": "2020-06-02",
                                       "region_code": "110119"})
        self.assertStatus(r, 201)
        # graded from the cases alone
        r = off.post("/api/v1/risk/grade", {"from": "2020-06-01", "to": "2020-06-05",
                                            "source": "fangkong"})
        self.assertStatus(r, 200)
        self.assertLevel("110119", "2020-06-05", "medium")
        self.assertEqual([(x["source"], x["date"], x["new_confirmed"])
                          for x in self.series("?region=110119&from=2020-06-01&to=2020-06-30")],
                         [("fangkong", "2020-06-02", 1)])
        # and with every source
        r = off.post("/api/v1/risk/grade", {"from": "2020-06-01", "to": "2020-06-05"})
        self.assertStatus(r, 200)
        self.assertLevel("110119", "2020-06-05", "medium")

    def test_grading_again_stores_nothing_new(self):
        # its own source and region, so the other tests' histories stay as graded once
        rows = [(d(-25), "130107", 60, 0, 0), (d(-3), "130107", 1, 1, 0)]
        fk.seed_series(self.s["official"], fk.series_csv(rows), source="again")
        off = self.s["official"]

        def grade(frm, to):
            r = off.post("/api/v1/risk/grade", {"from": frm, "to": to, "source": "again"})
            self.assertStatus(r, 200)
            return r.json()

        def key():
            return [(c["date"], c["level"], c["rule"], c["reason"]["zh"], c["reason"]["en"])
                    for c in self.history("130107")["changes"]]
        self.assertEqual(grade(GRADE_FROM, D)["changes"], 4)
        first = key()
        self.assertEqual([c[:2] for c in first],
                         [(GRADE_FROM, "low"), (d(-25), "medium"), (d(-11), "low"),
                          (d(-3), "high")])
        self.assertEqual(grade(GRADE_FROM, D)["changes"], 0)
        self.assertEqual(key(), first)
        # a part of the range again
        self.assertEqual(grade(d(-5), d(-2))["changes"], 0)
        self.assertEqual(key(), first)

    def test_a_county_is_not_part_of_its_citys_urban_area(self):
        # R4.1: the urban area (市辖区: the 区) takes the highest level, not
        # the city's counties; `fangkong zone` grades the same file alike
        self.assertLevel("420525", D, "high")
        self.assertLevel("420500", D, "low")
        series = [x for x in COUNTY_ROWS if x[1] in ("420500", "420525")]
        path = self.server.dir + "/yichang.csv"
        with open(path, "w", encoding="utf-8") as f:
            f.write(fk.series_csv(series))
        p = self.server.cli("zone", "--series", path, "--date", D)
        self.assertEqual(p.returncode, 0, p.stderr)
        levels = dict(line.split(",")[:2] for line in p.stdout.splitlines()[1:])
        self.assertEqual(levels, {"420500": "low", "420525": "high"})

    def test_city_reason_is_whole_text(self):
        self.assertLevel("420202", D, "medium")
        r = self.s["staff"].get("/api/v1/risk?prefix=4202&date=" + D)
        self.assertStatus(r, 200)
        rows = {x["region_code"]: x for x in r.json()["items"]}
        self.assertEqual(set(rows), {"420200", "420202"}, r)
        city = rows["420200"]
        self.assertEqual(city["level"], "medium")
        self.assertReasonMentions(city, "420202", "1234")
        self.assertTrue(city["reason"]["zh"].endswith(rows["420202"]["reason"]["zh"]),
                        "the city's reason cuts the district's: %r vs %r"
                        % (city["reason"]["zh"], rows["420202"]["reason"]["zh"]))
        h = self.s["staff"].get("/api/v1/risk/420200/history")
        self.assertStatus(h, 200)

    def test_city_takes_the_highest_level_of_its_districts(self):
        self.assertLevel("420102", D, "high")
        self.assertLevel("420106", D, "medium")
        self.assertLevel("420111", D, "low")
        wuhan = self.assertLevel("420100", D, "high")
        self.assertEqual(wuhan["level_of"], "city")
        self.assertReasonMentions(wuhan, "420102")
        # on 02-15 only 洪山 (a case on 02-10) is medium; on 02-25 all three are low
        self.assertLevel("420111", d(-15), "medium")
        self.assertLevel("420102", d(-15), "low")
        self.assertLevel("420100", d(-15), "medium")
        self.assertLevel("420100", d(-5), "low")
        # a city without a series of its own gets no level from its districts
        self.assertLevel("420302", D, "high")
        self.assertIsNone(self.level("420300", D))

    def test_grade_refuses_bad_input(self):
        off = self.s["official"]
        self.assertError(off.post("/api/v1/risk/grade", {"from": "2020-02-30", "to": D}), 400,
                         field="from")
        self.assertError(off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": "x"}), 400,
                         field="to")
        self.assertError(off.post("/api/v1/risk/grade", {"from": D, "to": GRADE_FROM}), 400)
        self.assertError(off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D,
                                                         "rule": "county-2019"}), 400, field="rule")
        self.assertError(off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D,
                                                         "source": "nope"}), 400)
        self.assertError(off.post("/api/v1/risk/grade", {"from": GRADE_FROM,
                                                         "to": fk.add_days(fk.today_cst(), 1)}),
                         400, field="to")
        self.assertError(off.post("/api/v1/risk/grade", {"from": GRADE_FROM}), 400, field="to")
        for who in ("office", "head", "staff", "analyst", "admin"):
            self.assertError(self.s[who].post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D}),
                             403)

    def test_grading_a_corrected_series_again(self):
        # a cluster reported, graded, then withdrawn and graded again
        rows = [(d(-25), "130105", 60, 0, 0), (d(-13), "130105", 1, 1, 0)]
        fk.seed_series(self.s["official"], fk.series_csv(rows), source="corr")
        off = self.s["official"]
        self.assertStatus(off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D,
                                                          "source": "corr"}), 200)
        self.assertLevel("130105", D, "high")
        rows[1] = (d(-13), "130105", 1, 0, 0)
        fk.seed_series(self.s["official"], fk.series_csv(rows), source="corr")
        self.assertStatus(off.post("/api/v1/risk/grade", {"from": GRADE_FROM, "to": D,
                                                          "source": "corr"}), 200)
        self.assertLevel("130105", D, "medium")
        ch = [(c["date"], c["level"]) for c in self.history("130105")["changes"]]
        self.assertEqual(ch, [(GRADE_FROM, "low"), (d(-25), "medium")])

    # ---- other rule sets (R4.3 - R4.5) ---------------------------------------------

    def test_rule_2021_nine_is_medium_ten_is_high_and_downgrades(self):
        r = self.s["official"].post("/api/v1/risk/grade", {"from": "2021-04-20", "to": "2021-06-15",
                                                           "rule": "area-2021"})
        self.assertStatus(r, 200)
        self.assertLevel("110114", D21, "medium")
        hi = self.assertLevel("110115", D21, "high")
        self.assertEqual(hi["rule"], "area-2021")
        self.assertReasonMentions(hi, 10)
        self.assertLevel("110116", D21, "medium")      # 5 cases at D-14 fall out of the window
        self.assertLevel("110117", D21, "high")        # 5 at D-13 + 5 at D = 10
        # downgrades: one level per 14 days without a case (high -> low takes 28)
        self.assertLevel("110118", "2021-05-01", "high")
        self.assertLevel("110118", "2021-05-14", "high")
        self.assertLevel("110118", "2021-05-15", "medium")
        self.assertLevel("110118", "2021-05-28", "medium")
        self.assertLevel("110118", "2021-05-29", "low")
        self.assertLevel("110114", "2021-06-09", "medium")
        self.assertLevel("110114", "2021-06-10", "low")
        changes = [c for c in self.history("110118")["changes"]
                   if "2021-04-20" <= c["date"] <= "2021-06-15" and not c["override"]]
        self.assertEqual([(c["date"], c["level"]) for c in changes][-3:],
                         [("2021-05-01", "high"), ("2021-05-15", "medium"), ("2021-05-29", "low")])
        for c in changes:
            self.assertEqual(c["rule"], "area-2021")

    def test_rule_2022_11_high_or_low_with_asymptomatic(self):
        r = self.s["official"].post("/api/v1/risk/grade", {"from": "2022-11-15", "to": D22,
                                                           "rule": "area-2022-11"})
        self.assertStatus(r, 200)
        self.assertLevel("110119", D22, "high")
        self.assertLevel("120101", D22, "low")
        self.assertLevel("120102", D22, "high")
        body = self.risk(D22, query="&prefix=1")
        self.assertEqual(body["counts"]["medium"],
                         sum(1 for x in body["items"] if x["level"] == "medium"))
        for x in body["items"]:
            if x["rule"] == "area-2022-11":
                self.assertIn(x["level"], ("low", "high"), x)

    def test_rule_2022_06_high_7_days_medium_3_more(self):
        r = self.s["official"].post("/api/v1/risk/grade", {"from": "2022-07-15", "to": "2022-08-05",
                                                           "rule": "area-2022-06"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["days"], 22)
        self.assertLevel("130102", "2022-07-19", "low")
        for date, level in (("2022-07-20", "high"), ("2022-07-26", "high"),
                            ("2022-07-27", "medium"), ("2022-07-29", "medium"),
                            ("2022-07-30", "low")):
            row = self.assertLevel("130102", date, level)
            self.assertEqual(row["rule"], "area-2022-06")
        for date, level in (("2022-07-31", "high"), ("2022-08-01", "medium"),
                            ("2022-08-04", "low")):
            self.assertLevel("130104", date, level)

    # ---- overrides ---------------------------------------------------------------

    def test_override_holds_until_its_last_day(self):
        self.assertLevel("110108", D, "medium")
        r = self.s["official"].post("/api/v1/risk/overrides", {
            "region_code": "110108", "level": "high",
            "reason": "聚集性疫情调查中 cluster under investigation", "date": d(1), "until": d(3)})
        self.assertStatus(r, 201)
        o = r.json()
        self.assertEqual((o["region_code"], o["level"], o["override"], o["date"], o["until"],
                          o["by"], o["rule"]),
                         ("110108", "high", True, d(1), d(3), "official", "override"))
        self.assertIn("cluster under investigation", o["reason"]["en"])
        for day in (d(1), d(3)):
            row = self.assertLevel("110108", day, "high")
            self.assertTrue(row["override"])
            self.assertEqual(row["until"], d(3))
        for day in (D, d(4), d(30)):
            row = self.assertLevel("110108", day, "medium")
            self.assertFalse(row["override"], day)
        # the history keeps it
        ov = [c for c in self.history("110108")["changes"] if c["override"]]
        self.assertEqual([(c["date"], c["level"], c["until"]) for c in ov], [(d(1), "high", d(3))])
        # the audit log records it
        r = self.s["admin"].get("/api/v1/audit?limit=200")
        self.assertStatus(r, 200)
        hits = [a for a in r.json()["items"] if a["object_type"] == "risk_level"
                and a["object_id"] == "110108"]
        self.assertEqual(len(hits), 1, hits)
        self.assertEqual((hits[0]["username"], hits[0]["action"]), ("official", "update"))
        self.assertIn("cluster under investigation", hits[0]["detail"])

    def test_override_without_an_end_and_of_a_region_with_no_series(self):
        r = self.s["official"].post("/api/v1/risk/overrides", {
            "region_code": "110112", "level": "medium", "reason": "通州 人员流动大", "date": D})
        self.assertStatus(r, 201)
        self.assertIsNone(r.json()["until"])
        for day in (D, d(100)):
            row = self.assertLevel("110112", day, "medium")
            self.assertTrue(row["override"])
        self.assertIsNone(self.level("110112", d(-1)))
        # the date defaults to today
        r = self.s["official"].post("/api/v1/risk/overrides", {
            "region_code": "110112", "level": "low", "reason": "解除"})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["date"], fk.today_cst())
        self.assertEqual(self.assertLevel("110112", fk.today_cst(), "low")["override"], True)

    def test_override_reason_of_200_chinese_characters_is_kept_whole(self):
        reason = "封" * 200
        r = self.s["official"].post("/api/v1/risk/overrides", {
            "region_code": "110111", "level": "medium", "reason": reason, "date": D, "until": D})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["reason"]["zh"], reason)
        row = self.assertLevel("110111", D, "medium")
        self.assertEqual(row["reason"]["zh"], reason)
        self.assertLevel("110111", d(1), "low")

    def test_override_needs_a_reason_and_a_region_of_the_official(self):
        off = self.s["official"]
        base = {"region_code": "110101", "level": "high", "reason": "x", "date": D}

        def body(**over):
            b = dict(base, **over)
            return {k: v for k, v in b.items() if v is not None}
        self.assertError(off.post("/api/v1/risk/overrides", body(reason="")), 400, field="reason")
        self.assertError(off.post("/api/v1/risk/overrides", body(reason=None)), 400, field="reason")
        self.assertError(off.post("/api/v1/risk/overrides", body(reason="长" * 201)), 400,
                         field="reason")
        self.assertError(off.post("/api/v1/risk/overrides", body(level="severe")), 400,
                         field="level")
        self.assertError(off.post("/api/v1/risk/overrides", body(region_code="119999")), 400,
                         field="region_code")
        self.assertError(off.post("/api/v1/risk/overrides", body(date="2020-02-30")), 400,
                         field="date")
        self.assertError(off.post("/api/v1/risk/overrides", body(until=d(-1))), 400, field="until")
        self.assertError(off.post("/api/v1/risk/overrides", body(region_code="420106")), 403,
                         field="region_code")
        for who in ("office", "head", "staff", "analyst", "admin"):
            self.assertError(self.s[who].post("/api/v1/risk/overrides", base), 403)
        # nothing of it was stored
        self.assertEqual([c for c in self.history("110101")["changes"] if c["override"]], [])
        self.assertEqual([c for c in self.history("420106")["changes"] if c["override"]], [])
        self.assertLevel("110101", D, "medium")

    # ---- response levels (R5.3) ------------------------------------------------------

    def test_response_levels_have_a_dated_history(self):
        off = self.s["official"]
        r = off.post("/api/v1/response-levels", {"province_code": "110000", "level": 1,
                                                 "date": "2020-01-24", "note": "一级响应"})
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["level"], r.json()["level_name"]), (1, "I"))
        r = off.post("/api/v1/response-levels", {"province_code": "110000", "level": 2,
                                                 "date": "2020-04-30"})
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["level_name"], r.json()["by"]), ("II", "official"))
        r = off.post("/api/v1/response-levels", {"province_code": "110000", "level": 0,
                                                 "date": "2020-12-01"})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["level_name"], "ended")
        h = self.s["staff"].get("/api/v1/response-levels?province=110000")
        self.assertStatus(h, 200)
        self.assertEqual([(x["date"], x["level"], x["level_name"]) for x in h.json()["items"]],
                         [("2020-01-24", 1, "I"), ("2020-04-30", 2, "II"),
                          ("2020-12-01", 0, "ended")])
        self.assertEqual(h.json()["items"][0]["note"], "一级响应")
        # the date defaults to today; the whole list holds every province
        r = off.post("/api/v1/response-levels", {"province_code": "110000", "level": 3})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["date"], fk.today_cst())
        r = self.s["analyst"].get("/api/v1/response-levels")
        self.assertStatus(r, 200)
        self.assertEqual(len([x for x in r.json()["items"] if x["province_code"] == "110000"]), 4)
        # audited
        a = self.s["admin"].get("/api/v1/audit?limit=200").json()["items"]
        self.assertEqual(len([x for x in a if x["object_type"] == "response"
                              and x["object_id"] == "110000"]), 4)

    def test_response_level_bad_input(self):
        off = self.s["official"]
        for level in (5, -1, 100):
            self.assertError(off.post("/api/v1/response-levels",
                                      {"province_code": "110000", "level": level}), 400,
                             field="level")
        self.assertError(off.post("/api/v1/response-levels",
                                  {"province_code": "110000", "level": "II"}), 400, field="level")
        for code in ("110101", "110100", "119999", "11"):
            self.assertError(off.post("/api/v1/response-levels",
                                      {"province_code": code, "level": 2}),
                             400, field="province_code")
        tomorrow = fk.add_days(fk.today_cst(), 1)
        self.assertError(off.post("/api/v1/response-levels",
                                  {"province_code": "110000", "level": 2, "date": tomorrow}),
                         400, field="date")
        self.assertError(off.post("/api/v1/response-levels",
                                  {"province_code": "420000", "level": 2}),
                         403, field="province_code")
        for who in ("office", "head", "staff", "analyst", "admin"):
            self.assertError(self.s[who].post("/api/v1/response-levels",
                                              {"province_code": "110000", "level": 2}), 403)
        r = self.s["staff"].get("/api/v1/response-levels?province=420000")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["items"], [])


if __name__ == "__main__":
    unittest.main()
