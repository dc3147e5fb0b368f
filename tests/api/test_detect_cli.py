"""test_detect_cli.py -- `fangkong detect ears|farrington`: aberration
detection on a count series CSV, as R's surveillance package computes it
(DESIGN.md §6, docs/analytics.md "Early warning").

Runs the real binary on every case of tests/fixtures/detect/cases.csv
(inputs and R's outputs written by make_detect.R) and compares: the same
periods, identical alarms (NA included), upper bounds and expected counts
within 1e-6 relative.  Then bad inputs: each gives a message on stderr
naming the row or flag, nothing on stdout, and a non-zero exit.

Environment: FANGKONG_BIN (the binary, default build/fangkong),
FANGKONG_TEST_TMP (scratch directory, default build/test-tmp).
Python 3 standard library only.
"""

import csv
import io
import math
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_HERE))
BIN = os.environ.get("FANGKONG_BIN") or os.path.join(ROOT, "build", "fangkong")
TMP = os.environ.get("FANGKONG_TEST_TMP") or os.path.join(ROOT, "build", "test-tmp")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "detect")
TOL = 1e-6


def run(*args, timeout=120):
    return subprocess.run([BIN, "detect", *args], capture_output=True, text=True,
                          timeout=timeout)


def wired():
    """True once main.c dispatches `detect` (the command table is the lead's)."""
    p = subprocess.run([BIN, "detect", "--help"], capture_output=True, text=True, timeout=60)
    return p.returncode == 0


def number(s):
    return math.nan if s == "NA" else float(s)


class DetectCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            raise unittest.SkipTest("no binary at %s" % BIN)
        if not wired():
            raise unittest.SkipTest("`fangkong detect` is not in main.c's command table yet")
        os.makedirs(TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="detect-", dir=TMP)

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def assert_refused(self, p, *needles, code=1):
        self.assertEqual(p.returncode, code, p.stderr)
        self.assertEqual(p.stdout, "", "nothing on stdout on error")
        for n in needles:
            self.assertIn(n, p.stderr)


class AgreesWithSurveillance(DetectCase):
    def test_every_fixture_case(self):
        with open(os.path.join(FIXTURES, "cases.csv"), encoding="utf-8") as f:
            cases = list(csv.DictReader(f))
        self.assertGreaterEqual(len(cases), 34)
        for case in cases:
            with self.subTest(case=case["name"]):
                p = run(*shlex.split(case["args"]), "--input",
                        os.path.join(FIXTURES, case["input"]))
                self.assertEqual(p.returncode, 0, p.stderr)
                got = list(csv.DictReader(io.StringIO(p.stdout)))
                with open(os.path.join(FIXTURES, "expect_%s.csv" % case["name"]),
                          encoding="utf-8") as f:
                    want = list(csv.DictReader(f))
                farrington = case["args"].startswith("farrington")
                header = "t,observed,upperbound,alarm" + (",expected" if farrington else "")
                self.assertEqual(p.stdout.splitlines()[0], header)
                self.assertEqual(len(got), len(want))
                for g, w in zip(got, want):
                    self.assertEqual((g["t"], g["observed"], g["alarm"]),
                                     (w["t"], w["observed"], w["alarm"]), "t=%s" % w["t"])
                    for col in ("upperbound", "expected") if farrington else ("upperbound",):
                        a, b = number(g[col]), number(w[col])
                        if math.isnan(b):
                            self.assertTrue(math.isnan(a), "t=%s %s: R has NA" % (w["t"], col))
                        else:
                            self.assertLessEqual(abs(a - b), TOL * abs(b),
                                                 "t=%s %s: %s vs R %s" % (w["t"], col, a, b))

    def test_alarms_are_raised_on_the_outbreaks(self):
        # the weekly fixture has outbreaks from weeks 300 and 390: both alarm
        p = run("farrington", "--frequency", "52", "--input",
                os.path.join(FIXTURES, "farr_weekly.csv"))
        self.assertEqual(p.returncode, 0, p.stderr)
        alarms = {int(r["t"]) for r in csv.DictReader(io.StringIO(p.stdout)) if r["alarm"] == "1"}
        self.assertTrue(alarms & {300, 301, 302}, alarms)
        self.assertTrue(alarms & {390, 391, 392}, alarms)

    def test_china_2020_alarms_on_18_january(self):
        # China's daily new confirmed cases (real data, derived from
        # ../shared/data by make_detect.R): C1 first alarms on 18 January
        # 2020 (136 cases after a week of 0-17), C3 from 22 January
        path = os.path.join(FIXTURES, "ears_china_national.csv")
        with open(path, encoding="utf-8") as f:
            dates = [r["date"] for r in csv.DictReader(f)]
        first = {}
        for method in ("C1", "C3"):
            p = run("ears", "--method", method, "--input", path)
            self.assertEqual(p.returncode, 0, p.stderr)
            rows = list(csv.DictReader(io.StringIO(p.stdout)))
            first[method] = dates[min(int(r["t"]) for r in rows if r["alarm"] == "1") - 1]
        self.assertEqual(first, {"C1": "2020-01-18", "C3": "2020-01-22"})

    def test_columns_in_any_order_and_extra_columns_ignored(self):
        rows = ["region,observed,date,note"]
        for i in range(20):
            rows.append("110000,%d,2020-03-%02d,x" % (3 + i % 3, i + 1))
        rows[-1] = "110000,30,2020-03-20,outbreak"
        p = run("ears", "--method", "C1", "--input", self.write("order.csv", "\n".join(rows) + "\n"))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual([r["t"] for r in out], [str(t) for t in range(8, 21)])
        self.assertEqual(out[-1]["alarm"], "1")
        self.assertEqual(out[-1]["observed"], "30")

    def test_help(self):
        for args in (["--help"], ["ears", "--help"], ["farrington", "--help"]):
            p = run(*args)
            self.assertEqual(p.returncode, 0, args)
            self.assertIn("usage", p.stdout)


class BadInput(DetectCase):
    def series(self, name, values, header="observed"):
        return self.write(name, header + "\n" + "\n".join(values) + "\n")

    def test_negative_count_names_the_row(self):
        vals = [str(i % 5) for i in range(30)]
        vals[11] = "-2"
        p = run("ears", "--method", "C1", "--input", self.series("neg.csv", vals))
        self.assert_refused(p, "row 12", "negative")

    def test_non_integer_count_names_the_row(self):
        vals = [str(i % 5) for i in range(30)]
        vals[4] = "2.5"
        p = run("ears", "--method", "C2", "--input", self.series("frac.csv", vals))
        self.assert_refused(p, "row 5", "whole number")
        vals[4] = "NA"
        p = run("ears", "--method", "C2", "--input", self.series("na.csv", vals))
        self.assert_refused(p, "row 5")
        vals[4] = ""
        p = run("ears", "--method", "C2", "--input",
                self.write("blank.csv", "date,observed\n" + "".join(
                    "2020-01-%02d,%s\n" % (i + 1, v) for i, v in enumerate(vals))))
        self.assert_refused(p, "row 5", "empty")

    def test_empty_series(self):
        p = run("ears", "--method", "C1", "--input", self.write("header.csv", "observed\n"))
        self.assert_refused(p, "empty")
        p = run("farrington", "--frequency", "52", "--input", self.write("empty.csv", ""))
        self.assert_refused(p, "empty")

    def test_missing_column(self):
        p = run("ears", "--method", "C1", "--input", self.write("nocol.csv", "count\n1\n2\n"))
        self.assert_refused(p, "observed")

    def test_bad_and_unordered_dates(self):
        rows = "date,observed\n2020-01-01,1\n2020-02-30,2\n"
        p = run("ears", "--method", "C1", "--input", self.write("baddate.csv", rows))
        self.assert_refused(p, "row 2", "date")
        rows = "date,observed\n2020-01-08,1\n2020-01-01,2\n"
        p = run("ears", "--method", "C1", "--input", self.write("order.csv", rows))
        self.assert_refused(p, "row 2", "date")

    def test_range_out_of_bounds(self):
        path = self.series("short.csv", [str(i % 4) for i in range(30)])
        p = run("ears", "--method", "C1", "--input", path, "--range", "10:31")
        self.assert_refused(p, "range")
        p = run("ears", "--method", "C3", "--input", path, "--range", "5:30")
        self.assert_refused(p, "too short")
        p = run("ears", "--method", "C1", "--input", path, "--range", "20:10")
        self.assert_refused(p, "--range", code=2)
        p = run("farrington", "--frequency", "52", "--input", path)
        self.assert_refused(p, "too short")
        weekly = os.path.join(FIXTURES, "farr_weekly.csv")
        p = run("farrington", "--frequency", "52", "--input", weekly, "--range", "100:120")
        self.assert_refused(p, "decrease b")
        p = run("farrington", "--frequency", "52", "--input", weekly, "--range", "400:421")
        self.assert_refused(p, "range")

    def test_usage_errors_exit_2(self):
        path = self.series("ok.csv", [str(i % 4) for i in range(30)])
        for args in (["ears", "--input", path],                      # no --method
                     ["ears", "--method", "C4", "--input", path],
                     ["ears", "--method", "C1", "--input", path, "--baseline", "2"],
                     ["ears", "--method", "C1", "--input", path, "--alpha", "1"],
                     ["ears", "--method", "C1", "--input", path, "--min-sigma", "-1"],
                     ["farrington", "--input", path],                # no --frequency
                     ["farrington", "--frequency", "52", "--input", path,
                      "--threshold-method", "poisson"],
                     ["farrington", "--frequency", "52", "--input", path, "--b", "x"],
                     ["arima", "--input", path],
                     []):
            with self.subTest(args=args):
                p = run(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(p.stdout, "")
                self.assertTrue(p.stderr.strip())

    def test_missing_file(self):
        p = run("ears", "--method", "C1", "--input", os.path.join(self.dir, "nope.csv"))
        self.assert_refused(p, "nope.csv")


if __name__ == "__main__":
    unittest.main()
