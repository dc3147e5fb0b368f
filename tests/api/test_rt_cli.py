"""test_rt_cli.py -- `fangkong rt`: Rt by the method of Cori et al. (2013)
as R's EpiEstim::estimate_R gives it (DESIGN.md §6, docs/analytics.md).

Runs the real binary:
  - on every case of tests/fixtures/rt/cases.csv (made by make_rt.R with
    EpiEstim 2.2-4) and compares its CSV with EpiEstim's R table: the same
    columns and windows, NA where EpiEstim has NA, numbers within 1e-6
    relative, EpiEstim's warnings on stderr;
  - on Wuhan's (420100) series from ../shared/data (skipped if absent):
    Rt above 1 in late January 2020 and below 1 by late February;
  - on bad input: a clear message on stderr naming the file, line and
    column, nothing on stdout, exit status 1 (2 for usage errors).

Environment: FANGKONG_BIN (the binary, default build/fangkong),
FANGKONG_TEST_TMP (scratch directory, default build/test-tmp).
Python 3 standard library only.
"""

import csv
import datetime
import io
import math
import os
import shutil
import subprocess
import tempfile
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(_HERE))
BIN = os.environ.get("FANGKONG_BIN") or os.path.join(ROOT, "build", "fangkong")
TMP = os.environ.get("FANGKONG_TEST_TMP") or os.path.join(ROOT, "build", "test-tmp")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rt")
# CI keeps shared/ beside the clone of the repository.
SHARED_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))

COLUMNS = ["t_start", "t_end", "Mean(R)", "Std(R)", "Quantile.0.025(R)",
           "Quantile.0.05(R)", "Quantile.0.25(R)", "Median(R)", "Quantile.0.75(R)",
           "Quantile.0.95(R)", "Quantile.0.975(R)"]
TOL = 1e-6
WARNING_WORDS = {"too_early": "too early in the epidemic",
                 "local_day1": "local[1] is >0"}


def setUpModule():
    # Until main.c's command table has its row, the binary has no `rt`:
    # skip (loudly) rather than fail the build.
    p = subprocess.run([BIN, "rt", "--help"], capture_output=True, timeout=60)
    if p.returncode != 0 and b"unknown command" in p.stderr:
        raise unittest.SkipTest(f"{BIN} has no rt command yet (main.c needs cmd_rt)")


def run_rt(*args, timeout=120):
    return subprocess.run([BIN, "rt", *args], capture_output=True, timeout=timeout)


def parse_table(text):
    """The CSV rows of an R table as lists of floats (NA -> None)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    return header, [[None if v == "NA" else float(v) for v in r] for r in body]


def case_args(case):
    """The command line for one row of cases.csv."""
    f = lambda name: os.path.join(FIXTURES, name)  # noqa: E731
    args = ["--incidence", f(case["incidence"])]
    if case["si_distr"]:
        args += ["--si-distr", f(case["si_distr"])]
    else:
        args += ["--si-mean", case["si_mean"], "--si-sd", case["si_sd"]]
    if case["window"]:
        args += ["--window", case["window"]]
    if case["windows"]:
        args += ["--windows", f(case["windows"])]
    if case["prior_mean"]:
        args += ["--prior-mean", case["prior_mean"]]
    if case["prior_sd"]:
        args += ["--prior-sd", case["prior_sd"]]
    return args


class RtFixtures(unittest.TestCase):
    """The command line gives EpiEstim's numbers on every fixture."""

    def test_every_epiestim_case(self):
        with open(os.path.join(FIXTURES, "cases.csv"), encoding="utf-8") as fh:
            cases = list(csv.DictReader(fh))
        self.assertGreaterEqual(len(cases), 10)
        for case in cases:
            with self.subTest(case=case["name"]):
                p = run_rt(*case_args(case))
                self.assertEqual(p.returncode, 0, p.stderr.decode())
                header, got = parse_table(p.stdout.decode())
                self.assertEqual(header, COLUMNS)
                with open(os.path.join(FIXTURES, case["expected"]), encoding="utf-8") as fh:
                    want_header, want = parse_table(fh.read())
                self.assertEqual(want_header, COLUMNS)
                self.assertEqual(len(got), len(want))
                for g, w in zip(got, want):
                    self.assertEqual(g[:2], w[:2], "the same window")
                    for j, (a, b) in enumerate(zip(g[2:], w[2:]), start=2):
                        if b is None:
                            self.assertIsNone(a, f"window {w[:2]}, {COLUMNS[j]}: NA")
                            continue
                        self.assertIsNotNone(a, f"window {w[:2]}, {COLUMNS[j]}: not NA")
                        self.assertLessEqual(abs(a - b), TOL * abs(b),
                                             f"window {w[:2]}, {COLUMNS[j]}: {a} vs {b}")
                stderr = p.stderr.decode()
                expected = [w for w in case["warnings"].split(";") if w]
                for w in expected:
                    self.assertIn(WARNING_WORDS[w], stderr)
                self.assertEqual(stderr.count("warning:"), len(expected), stderr)


class RtWuhan(unittest.TestCase):
    """Wuhan, 2020: Rt of the confirmed cases by report date."""

    @classmethod
    def setUpClass(cls):
        path = os.path.join(SHARED_DATA, "china_city_daily_2020.csv")
        if not os.path.exists(path):
            raise unittest.SkipTest(f"{path} is absent")
        os.makedirs(TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="rt-", dir=TMP)
        cumulative = {}
        with open(path, encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["city_code"] == "420100":
                    cumulative[r["date"]] = int(r["confirmed"])
        # Cumulative -> daily: a day missing from the source repeats the day
        # before (0 new cases; the next report carries them), and a negative
        # difference (a cumulative count revised down) counts as 0.
        day = datetime.date.fromisoformat(min(cumulative))
        last = datetime.date.fromisoformat(max(cumulative))
        cls.dates, daily, prev = [], [], None
        while day <= last:
            c = cumulative.get(day.isoformat(), prev)
            daily.append(c if prev is None else max(0, c - prev))
            cls.dates.append(day)
            prev = c
            day += datetime.timedelta(days=1)
        cls.path = os.path.join(cls.dir, "wuhan.csv")
        with open(cls.path, "w", encoding="utf-8", newline="") as fh:
            fh.write("dates,I\n")
            for d, n in zip(cls.dates, daily):
                fh.write(f"{d.isoformat()},{n}\n")

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    def window_ending(self, rows, iso):
        t_end = self.dates.index(datetime.date.fromisoformat(iso)) + 1
        return next(r for r in rows if r[1] == t_end)

    def test_rt_above_one_in_late_january_below_one_by_late_february(self):
        # the serial interval of Li et al., NEJM 2020 (Wuhan's first 425 cases)
        p = run_rt("--incidence", self.path, "--si-mean", "7.5", "--si-sd", "3.4")
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        header, rows = parse_table(p.stdout.decode())
        self.assertEqual(header, COLUMNS)
        self.assertEqual(len(rows), len(self.dates) - 7)
        for iso in ("2020-01-28", "2020-01-31"):
            r = self.window_ending(rows, iso)
            self.assertGreater(r[4], 1.0, f"week to {iso}: lower 2.5% bound {r[4]}")
        for iso in ("2020-02-25", "2020-02-29"):
            r = self.window_ending(rows, iso)
            self.assertLess(r[10], 1.0, f"week to {iso}: upper 97.5% bound {r[10]}")
        # quantiles in order wherever R is estimated
        for r in rows:
            self.assertEqual(r[4:11], sorted(r[4:11]))


class RtBadInput(unittest.TestCase):
    """Each bad input: message on stderr, nothing on stdout, exit 1 (2 usage)."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="rt-bad-", dir=TMP)
        cls.good = cls.write("good.csv", "I\n" + "".join(f"{n}\n" for n in range(1, 21)))

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write(cls, name, text):
        path = os.path.join(cls.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return path

    def fails(self, args, *words, status=1):
        p = run_rt(*args)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, status, err)
        self.assertEqual(p.stdout, b"")
        self.assertTrue(err.startswith("fangkong rt: "), err)
        for w in words:
            self.assertIn(w, err)
        return err

    def incidence(self, name, text, *words):
        path = self.write(name, text)
        return self.fails(["--incidence", path, "--si-mean", "4", "--si-sd", "2"], path, *words)

    def test_negative_count(self):
        self.incidence("neg.csv", "I\n1\n2\n-3\n4\n5\n6\n7\n8\n9\n",
                       "line 4", "column I", "negative")

    def test_non_integer_count(self):
        self.incidence("frac.csv", "local,imported\n0,1\n2,0\n2.5,0\n" + "1,0\n" * 8,
                       "line 4", "column local", "not a whole number")
        self.incidence("word.csv", "I\n1\nmany\n" + "1\n" * 8, "line 3", "column I",
                       "not a number")
        self.incidence("blank.csv", "dates,I\n2020-01-01,1\n2020-01-02,\n", "line 3",
                       "column I", "empty")

    def test_empty_series(self):
        self.incidence("header.csv", "I\n", "empty")
        self.incidence("nothing.csv", "", "the file is empty")

    def test_missing_column(self):
        self.incidence("cases.csv", "cases\n1\n2\n", "no column I")
        self.incidence("local.csv", "local\n1\n2\n", "no column imported")
        self.incidence("short.csv", "dates,I\n2020-01-01,1\n2020-01-02\n", "line 3",
                       "column I is missing")

    def test_dates_must_be_consecutive(self):
        self.incidence("gap.csv", "dates,I\n2020-01-01,1\n2020-01-03,2\n", "line 3",
                       "consecutive")
        self.incidence("baddate.csv", "dates,I\n2020-02-30,1\n", "line 2", "not a date")

    def test_too_short_for_the_windows(self):
        path = self.write("six.csv", "I\n1\n2\n3\n4\n5\n6\n7\n")
        self.fails(["--incidence", path, "--si-mean", "4", "--si-sd", "2"], "--window",
                   "at least 8")

    def si(self, name, text, *words):
        path = self.write(name, text)
        return self.fails(["--incidence", self.good, "--si-distr", path], path, *words)

    def test_si_distr_must_start_at_zero(self):
        self.si("start.csv", "k,p\n0,0.2\n1,0.5\n2,0.3\n", "P(SI = 0) must be 0")
        self.si("order.csv", "k,p\n1,0.5\n2,0.5\n", "line 2", "column k", "expected 0")

    def test_si_distr_must_sum_to_one(self):
        err = self.si("sum.csv", "k,p\n0,0\n1,0.5\n2,0.4\n", "sums to")
        self.assertIn("not 1", err)
        self.si("sum2.csv", "k,p\n0,0\n1,0.5\n2,0.500002\n", "sums to")
        self.si("negp.csv", "k,p\n0,0\n1,1.5\n2,-0.5\n", "line 4", "column p")
        self.si("nop.csv", "k,prob\n0,0\n1,1\n", "no column p")

    def test_si_distr_within_tolerance_is_accepted(self):
        path = self.write("near.csv", "k,p\n0,0\n1,0.5\n2,0.5000004\n")
        p = run_rt("--incidence", self.good, "--si-distr", path)
        self.assertEqual(p.returncode, 0, p.stderr.decode())

    def windows(self, name, text, *words):
        path = self.write(name, text)
        return self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "2",
                           "--windows", path], path, *words)

    def test_windows_out_of_range(self):
        self.windows("w1.csv", "t_start,t_end\n1,7\n", "line 2", "column t_start")
        self.windows("w2.csv", "t_start,t_end\n2,8\n5,21\n", "window 2", "after the last day")
        self.windows("w3.csv", "t_start,t_end\n9,8\n", "line 2", "after t_end")
        self.windows("w4.csv", "t_start,t_end\n", "no windows")
        self.windows("w5.csv", "start,end\n2,8\n", "no column t_start")

    def test_mean_si_must_exceed_one(self):
        for mean in ("1", "0.5", "-2"):
            self.fails(["--incidence", self.good, "--si-mean", mean, "--si-sd", "2"],
                       "--si-mean", "greater than 1")
        self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "0"], "--si-sd")
        self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "2",
                    "--prior-sd", "0"], "--prior-sd")

    def test_usage_errors(self):
        self.fails(["--incidence", self.good], "serial interval is required", status=2)
        self.fails(["--incidence", self.good, "--si-mean", "4"], "serial interval", status=2)
        self.fails(["--si-mean", "4", "--si-sd", "2"], "--incidence is required", status=2)
        self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "2",
                    "--si-distr", self.good], "not both", status=2)
        self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "2", "--window",
                    "7", "--windows", self.good], "not both", status=2)
        self.fails(["--incidence", self.good, "--si-mean", "four", "--si-sd", "2"],
                   "not a number", status=2)
        self.fails(["--incidence", self.good, "--si-mean", "4", "--si-sd", "2",
                    "--window", "2.5"], "--window", status=2)
        self.fails(["--incidence", os.path.join(self.dir, "absent.csv"), "--si-mean", "4",
                    "--si-sd", "2"], "absent.csv")

    def test_window_option_and_help(self):
        p = run_rt("--incidence", self.good, "--si-mean", "2.5", "--si-sd", "2", "--window", "3")
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        header, rows = parse_table(p.stdout.decode())
        self.assertEqual([r[:2] for r in rows], [[t, t + 2] for t in range(2, 19)])
        self.assertTrue(all(r[2] is not None and math.isfinite(r[2]) for r in rows))
        h = run_rt("--help")
        self.assertEqual(h.returncode, 0)
        self.assertIn(b"EpiEstim", h.stdout)


if __name__ == "__main__":
    unittest.main()
