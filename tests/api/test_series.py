"""Importing the real case series of ../shared/data (canghailan and DXY city
files, cumulative) through the command line and POST /api/v1/series/import,
and the import's refusals.

The files are found relative to the repository (../shared/data); the tests
skip cleanly when they are absent.  Expected figures come from the data's
README (Wuhan +13,436 on 2020-02-13 in both sources; 荆门 and the Hubei prison
system among the decreasing totals) or are computed here from the files
themselves (how many rows name a region).  Stored rows are read back from
the database file (table series: source, region_code, date as a day number,
new_confirmed); import speed is not timed.
"""

import collections
import csv
import datetime
import os
import sqlite3
import unittest

import fk

DATA = os.path.join(fk._ROOT, "..", "shared", "data")
CANGHAILAN = os.path.join(DATA, "china_city_daily_2020.csv")
DXY = os.path.join(DATA, "dxy_city_daily_2020.csv")
HAVE_DATA = os.path.exists(CANGHAILAN) and os.path.exists(DXY)

# kinds whose rows name a region and become its series (app/series.h)
STORED_KINDS = ("prefecture", "county", "whole_province")
EPOCH = datetime.date(1970, 1, 1)


def day(s):
    return (datetime.date.fromisoformat(s) - EPOCH).days


def file_stats(path):
    """Rows, rows per kind and distinct stored units of a city file."""
    kinds = collections.Counter()
    units = set()
    rows = 0
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows += 1
            kinds[r["kind"]] += 1
            if r["kind"] in STORED_KINDS:
                units.add(r["city_code"] or r["province_code"])
    return rows, kinds, units


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


@unittest.skipUnless(HAVE_DATA, "no ../shared/data next to the repository")
class SeriesImportTest(fk.ServerTestCase):
    LOGINS = ("official", "office")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.stats = {"canghailan": file_stats(CANGHAILAN), "dxy": file_stats(DXY)}
            # through the API, under the default source names
            cls.api = {}
            for fmt, path in (("canghailan", CANGHAILAN), ("dxy", DXY)):
                cls.api[fmt] = cls.s["official"].post(
                    "/api/v1/series/import?format=" + fmt, raw=read_bytes(path),
                    content_type="text/csv", timeout=600)
            # through the command line, under their own source names
            cls.cli_runs = {}
            for fmt, path in (("canghailan", CANGHAILAN), ("dxy", DXY)):
                cls.cli_runs[fmt] = cls.server.cli(
                    "import", "series", "--db", cls.server.db, "--format", fmt,
                    "--source", "cli-" + fmt, path, timeout=600)
        except BaseException:
            cls.tearDownClass()
            raise

    # ---- helpers ----------------------------------------------------------

    def db(self):
        con = sqlite3.connect("file:%s?mode=ro" % self.server.db, uri=True, timeout=30)
        self.addCleanup(con.close)
        return con

    def new_confirmed(self, source, region, date):
        rows = self.db().execute(
            "SELECT new_confirmed FROM series WHERE source = ? AND region_code = ? AND date = ?",
            (source, region, day(date))).fetchall()
        return rows[0][0] if rows else None

    def count(self, source):
        return self.db().execute("SELECT count(*) FROM series WHERE source = ?",
                                 (source,)).fetchone()[0]

    def hubei_total(self, source, until):
        """Sum of Hubei's stored daily new counts up to a date (cities and
        their counties; the province itself has no series)."""
        return self.db().execute(
            "SELECT sum(new_confirmed) FROM series WHERE source = ? AND region_code LIKE '42%'"
            " AND date <= ?", (source, day(until))).fetchone()[0]

    def report(self, fmt):
        r = self.api[fmt]
        self.assertStatus(r, 200)
        return r.json()

    # ---- the API ----------------------------------------------------------

    def test_api_rows_and_regions(self):
        for fmt in ("canghailan", "dxy"):
            with self.subTest(fmt=fmt):
                rows, kinds, units = self.stats[fmt]
                body = self.report(fmt)
                self.assertEqual(body["source"], fmt)
                self.assertTrue(body["stored"])
                self.assertEqual(body["rows"], rows)
                stored = sum(kinds[k] for k in STORED_KINDS)
                self.assertEqual(body["stored_rows"], stored)
                self.assertEqual(self.count(fmt), stored)
                self.assertEqual(body["stored_regions"], len(units))
                self.assertEqual(body["excluded"]["rows"], rows - stored)
                for k, n in kinds.items():
                    self.assertEqual(body["kinds"][k]["rows"], n, k)
                self.assertEqual(body["problems"], [])
        self.assertEqual(self.report("canghailan")["from"], "2020-01-10")
        self.assertEqual(self.report("canghailan")["to"], "2020-12-08")
        self.assertEqual(self.report("dxy")["from"], "2020-01-24")
        self.assertEqual(self.report("dxy")["to"], "2020-03-28")

    def test_wuhan_on_13_february(self):
        # README: Wuhan +13,436 on 2020-02-13 in both sources
        for source in ("canghailan", "dxy", "cli-canghailan", "cli-dxy"):
            with self.subTest(source=source):
                self.assertEqual(self.new_confirmed(source, "420100", "2020-02-13"), 13436)
        # and the death revision day: confirmed 50,007 -> 50,333
        self.assertEqual(self.new_confirmed("canghailan", "420100", "2020-04-17"), 326)
        largest = self.report("canghailan")["largest"][0]
        self.assertEqual((largest["region_code"], largest["date"], largest["new_confirmed"]),
                         ("420100", "2020-02-13", 13436))

    def test_decreases_reported(self):
        body = self.report("canghailan")
        dec = body["decreases"]
        # README: confirmed fell 77 times in canghailan city rows
        self.assertEqual(dec["count"], 77)
        self.assertEqual(dec["glitches"] + dec["revisions"], 77)
        self.assertEqual(len(dec["items"]), 77)
        names = {(d["province"], d["name"]) for d in dec["items"]}
        self.assertIn(("湖北省", "荆门市"), names)
        self.assertIn(("湖北省", "监狱系统"), names)
        prison = [d for d in dec["items"] if d["name"] == "监狱系统"
                  and d["province_code"] == "420000"][0]
        self.assertEqual((prison["date"], prison["before"], prison["after"]),
                         ("2020-02-24", 253, 0))
        self.assertEqual(prison["kind"], "prison")
        self.assertIsNone(prison["region_code"])       # never stored
        self.assertEqual(prison["resolution"], "revision")
        suzhou = [d for d in dec["items"] if d["name"] == "苏州市"][0]
        self.assertEqual((suzhou["date"], suzhou["before"], suzhou["after"], suzhou["next"]),
                         ("2020-02-04", 52, 2, 60))
        self.assertEqual(suzhou["resolution"], "glitch")
        # the glitch is smoothed: 0 that day, 60 - 52 the next
        self.assertEqual(self.new_confirmed("canghailan", "320500", "2020-02-04"), 0)
        self.assertEqual(self.new_confirmed("canghailan", "320500", "2020-02-05"), 8)
        # README: DXY city rows have 64 decreases in confirmed, 荆门 among them
        dxy = self.report("dxy")["decreases"]
        self.assertEqual(dxy["count"], 64)
        self.assertIn("荆门市", {d["name"] for d in dxy["items"]})
        # Wuhan's cured falling on 2020-04-17 is listed, not used
        other = body["other_decreases"]
        self.assertIn(("420100", "cured", "2020-04-17", 47283, 46335),
                      {(d["region_code"], d["what"], d["date"], d["before"], d["after"])
                       for d in other["items"]})

    def test_gaps_and_units_without_region(self):
        body = self.report("canghailan")
        # README: Wuhan has no canghailan row on 2020-01-20..22
        wuhan = [g for g in body["gaps"]["items"] if g["region_code"] == "420100"]
        self.assertEqual([(g["last_present"], g["next_present"], g["missing_days"])
                          for g in wuhan], [("2020-01-19", "2020-01-23", 3)])
        self.assertIsNone(self.new_confirmed("canghailan", "420100", "2020-01-21"))
        # 定州 is missing 2020-02-06..06-15
        dingzhou = [g for g in body["gaps"]["items"] if g["region_code"] == "130682"
                    and g["next_present"] == "2020-06-16"]
        self.assertEqual(len(dingzhou), 1)
        # the rows without a code are listed per unit, none stored
        excluded = {(u["province_code"], u["kind"], u["name"]) for u in body["excluded"]["items"]}
        self.assertIn(("420000", "prison", "监狱系统"), excluded)
        self.assertIn(("410000", "other", "长垣市"), excluded)
        self.assertEqual(self.db().execute(
            "SELECT count(*) FROM series WHERE source = 'canghailan' AND region_code = '420000'"
        ).fetchone()[0], 0)
        # HK under its province code; 邓州 on its own, apart from 南阳
        self.assertEqual({u["region_code"] for u in body["whole_province"]["items"]},
                         {"710000", "810000", "820000"})
        self.assertIsNotNone(self.new_confirmed("canghailan", "810000", "2020-03-01"))
        self.assertIn("411381", {u["region_code"] for u in body["own_counties"]["items"]})

    def test_sources_agree_on_hubei(self):
        for until in ("2020-02-15", "2020-03-01", "2020-03-28"):
            with self.subTest(until=until):
                a = self.hubei_total("canghailan", until)
                b = self.hubei_total("dxy", until)
                self.assertLess(abs(a - b) / max(a, b), 0.03, (a, b))
        # the CLI stored exactly what the API stored
        self.assertEqual(self.hubei_total("cli-canghailan", "2020-12-08"),
                         self.hubei_total("canghailan", "2020-12-08"))

    def test_audited(self):
        r = self.server.login("admin").get("/api/v1/audit?limit=100")
        self.assertStatus(r, 200)
        imports = {(e["action"], e["object_type"], e["object_id"]) for e in r.json()["items"]}
        self.assertIn(("import", "series", "canghailan"), imports)
        self.assertIn(("import", "series", "cli-dxy"), imports)

    # ---- the command line ---------------------------------------------------

    def test_cli_report(self):
        for fmt in ("canghailan", "dxy"):
            with self.subTest(fmt=fmt):
                run = self.cli_runs[fmt]
                self.assertEqual(run.returncode, 0, run.stderr)
                rows, kinds, units = self.stats[fmt]
                stored = sum(kinds[k] for k in STORED_KINDS)
                self.assertIn("%d rows read; %d daily rows stored for %d regions"
                              % (rows, stored, len(units)), run.stdout)
                self.assertEqual(self.count("cli-" + fmt), stored)
        out = self.cli_runs["canghailan"].stdout
        decreases = out[out.index("decreases of cumulative confirmed"):out.index("decreases of cured")]
        self.assertIn("湖北省 荆门市 420800", decreases)
        self.assertIn("湖北省 监狱系统 (prison, not stored): 253 -> 0", decreases)

    def test_cli_refuses_bad_rows(self):
        path = os.path.join(self.server.dir, "bad.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("date,region_code,new_confirmed\n"
                    "2020-02-01,420100,3\n"
                    "2020-02-02,420100,-3\n"
                    "2020-02-31,420100,3\n"
                    "2020-02-04,999999,1\n")
        run = self.server.cli("import", "series", "--db", self.server.db, "--format", "plain",
                              "--source", "cli-bad", path)
        self.assertEqual(run.returncode, 1)
        self.assertIn("row 3, column new_confirmed", run.stderr)
        self.assertIn("row 4, column date", run.stderr)
        self.assertIn("row 5, column region_code", run.stderr)
        self.assertEqual(self.count("cli-bad"), 0)
        run = self.server.cli("import", "series", "--db", self.server.db, "--format", "xls", path)
        self.assertEqual(run.returncode, 2)

    # ---- refusals over HTTP ----------------------------------------------------

    def test_api_refuses(self):
        official, office = self.s["official"], self.s["office"]
        good = "date,region_code,new_confirmed\n2020-02-01,110105,1\n"
        r = office.post("/api/v1/series/import?format=plain", raw=good, content_type="text/csv")
        self.assertError(r, 403)
        r = official.post("/api/v1/series/import?format=xlsx", raw=good, content_type="text/csv")
        self.assertError(r, 400, "invalid", "format")
        r = official.post("/api/v1/series/import?format=plain&source=fangkong", raw=good,
                          content_type="text/csv")
        self.assertError(r, 400, "invalid", "source")
        bad = good + "2020-02-02,110105,x\n2020-02-01,110105,2\n"
        r = official.post("/api/v1/series/import?format=plain&source=api-bad", raw=bad,
                          content_type="text/csv")
        e = self.assertError(r, 400, "invalid")
        self.assertIn("nothing was imported", e["message"])
        body = r.json()
        self.assertFalse(body["stored"])
        self.assertEqual({(p["row"], p["column"]) for p in body["problems"]},
                         {(3, "new_confirmed"), (4, "date")})
        self.assertEqual(self.count("api-bad"), 0)
        # the same file, fixed, goes in whole
        r = official.post("/api/v1/series/import?format=plain&source=api-bad", raw=good,
                          content_type="text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(self.count("api-bad"), 1)


if __name__ == "__main__":
    unittest.main()
