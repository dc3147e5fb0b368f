"""test_seir_cli.py -- `fangkong seir` and `fangkong seir fit`: the SEIR
model from the command line, with no database (DESIGN.md §6,
docs/analytics.md "SEIR").

  - the solve writes t,S,E,I,R for t = 0..D agreeing with R's deSolve
    (tests/fixtures/seir, made by make_seir.R) to 1e-6 relative, with
    S+E+I+R = N on every row;
  - every bad flag value exits non-zero naming the flag, with nothing on
    stdout;
  - the fit recovers beta before and after a change date from counts the
    model itself made, prints its estimates and a dated forecast, and
    refuses bad incidence files by row and column;
  - Wuhan (420100) in ../shared/data, 2020-01-10..02-20, lockdown
    2020-01-23: transmission falls (skipped if the data are absent).

Environment: FANGKONG_BIN (default build/fangkong), FANGKONG_TEST_TMP.
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
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "seir")
SHARED_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))

SIGMA = 1 / 5.2
GAMMA = 1 / 2.9


def run(*args, timeout=120):
    p = subprocess.run([BIN, "seir", *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def wired():
    """False while main.c has no `seir` row (the command is unknown)."""
    code, _, err = run("--help")
    return not (code != 0 and "unknown command" in err)


def solve(*args):
    code, out, err = run(*args)
    if code != 0:
        raise AssertionError(f"seir {' '.join(args)}: exit {code}: {err}")
    return list(csv.DictReader(io.StringIO(out)))


def seed_split(x0, beta):
    """seir.h's start along the dominant mode: (E0, I0) of X0 infected."""
    r = (-(SIGMA + GAMMA) + math.sqrt((SIGMA - GAMMA) ** 2 + 4 * SIGMA * beta)) / 2
    a = r + GAMMA
    return x0 * a / (a + SIGMA), x0 * SIGMA / (a + SIGMA)


def split_fit_output(out):
    """The estimates table and the forecast table of `seir fit`."""
    head, _, tail = out.partition("\n\n")
    est = {r["parameter"]: r for r in csv.DictReader(io.StringIO(head + "\n"))}
    fc = list(csv.DictReader(io.StringIO(tail))) if tail else []
    return est, fc


@unittest.skipUnless(os.path.exists(BIN), f"no binary at {BIN}")
class SeirCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not wired():
            raise unittest.SkipTest("fangkong has no seir command yet (main.c row missing)")
        os.makedirs(TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="seir-", dir=TMP)

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path


class SolveTest(SeirCase):
    def test_matches_desolve(self):
        with open(os.path.join(FIXTURES, "cases.csv"), encoding="utf-8") as f:
            sets = list(csv.DictReader(f))
        self.assertEqual(len(sets), 7)
        for s in sets:
            args = ["--population", s["population"], "--beta", s["beta"],
                    "--sigma", s["sigma"], "--gamma", s["gamma"], "--days", s["days"],
                    "--e0", s["e0"], "--i0", s["i0"]]
            for ch in filter(None, s["changes"].split(";")):
                args += ["--change", ch]
            got = solve(*args)
            with open(os.path.join(FIXTURES, f"seir_{s['name']}.csv"), encoding="utf-8") as f:
                want = list(csv.DictReader(f))
            self.assertEqual(len(got), int(s["days"]) + 1, s["name"])
            self.assertEqual(list(got[0].keys()), ["t", "S", "E", "I", "R"])
            n = float(s["population"])
            for g, w in zip(got, want):
                self.assertEqual(int(g["t"]), int(w["t"]))
                for k in "SEIR":
                    a, b = float(g[k]), float(w[k])
                    self.assertLessEqual(abs(a - b), 1e-6 * abs(b) + 1e-9,
                                         f"{s['name']} t={g['t']} {k}: {a} vs deSolve {b}")
                total = sum(float(g[k]) for k in "SEIR")
                self.assertLessEqual(abs(total - n), 1e-9 * n)

    def test_defaults_and_shape(self):
        rows = solve("--population", "1000", "--beta", "0.6", "--sigma", "0.2",
                     "--gamma", "0.25", "--days", "1")
        self.assertEqual([r["t"] for r in rows], ["0", "1"])
        # e0 0, i0 1 by default
        self.assertEqual([float(rows[0][k]) for k in "SEIR"], [999, 0, 1, 0])
        # the epidemic runs its course and the curve has one peak
        rows = solve("--population", "10000", "--beta", "0.6", "--sigma", "0.2",
                     "--gamma", "0.25", "--days", "400")
        # (I dips on the first days: nobody is exposed yet at t = 0)
        infectious = [float(r["I"]) for r in rows][10:]
        peak = infectious.index(max(infectious))
        self.assertTrue(0 < peak < 390)
        self.assertTrue(all(a <= b for a, b in zip(infectious[:peak], infectious[1:peak + 1])))
        self.assertTrue(all(a >= b for a, b in zip(infectious[peak:], infectious[peak + 1:])))
        # final size: R0 = 2.4 leaves about 12% never infected
        self.assertAlmostEqual(float(rows[-1]["S"]) / 10000, 0.1206, delta=0.003)

    def test_a_lockdown_cuts_the_epidemic(self):
        base = ["--population", "1e6", "--beta", "0.8", "--sigma", "0.2", "--gamma", "0.3",
                "--days", "200", "--e0", "10"]
        free = solve(*base)
        locked = solve(*base, "--change", "30:0.15")
        self.assertEqual(free[30], locked[30])
        self.assertGreater(float(locked[-1]["S"]), float(free[-1]["S"]) + 1e5)

    def test_bad_values_name_the_flag(self):
        good = {"--population": "1000", "--beta": "0.5", "--sigma": "0.2",
                "--gamma": "0.25", "--days": "10"}
        cases = [
            ("--population", "0"), ("--population", "-5"), ("--population", "abc"),
            ("--population", "1e400"), ("--population", "nan"), ("--population", ""),
            ("--beta", "-0.1"), ("--beta", "x"), ("--beta", "inf"), ("--beta", "1000"),
            ("--sigma", "-1"), ("--gamma", "-0.25"), ("--gamma", "0.2x"),
            ("--days", "0"), ("--days", "-3"), ("--days", "3651"), ("--days", "99999999999"),
            ("--days", "2.5"), ("--days", "ten"),
            ("--e0", "-1"), ("--i0", "-1"), ("--i0", "1001"), ("--e0", "abc"),
            ("--change", "0:0.1"), ("--change", "-3:0.1"), ("--change", "5"),
            ("--change", "5:-0.1"), ("--change", "x:0.1"),
        ]
        for flag, value in cases:
            args = dict(good)
            args[flag] = value
            argv = [a for kv in args.items() for a in kv]
            code, out, err = run(*argv)
            with self.subTest(flag=flag, value=value):
                self.assertNotEqual(code, 0)
                self.assertEqual(out, "")
                self.assertIn(flag, err)
        # e0 + i0 over N names i0
        code, out, err = run(*[a for kv in good.items() for a in kv], "--e0", "600",
                             "--i0", "401")
        self.assertNotEqual(code, 0)
        self.assertIn("--i0", err)
        self.assertIn("population", err)
        # change points out of order
        code, out, err = run(*[a for kv in good.items() for a in kv], "--change", "5:0.1",
                             "--change", "3:0.2")
        self.assertNotEqual(code, 0)
        self.assertIn("--change", err)
        # a missing flag is named
        for flag in good:
            args = [a for kv in good.items() if kv[0] != flag for a in kv]
            code, out, err = run(*args)
            self.assertEqual(code, 2)
            self.assertIn(flag, err)
        code, out, err = run(*[a for kv in good.items() for a in kv], "extra")
        self.assertEqual(code, 2)
        code, out, err = run(*[a for kv in good.items() for a in kv], "--bogus", "1")
        self.assertEqual(code, 2)

    def test_help(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("--population", out)
        code, out, _ = run("fit", "--help")
        self.assertEqual(code, 0)
        self.assertIn("--incidence", out)


class FitTest(SeirCase):
    START = datetime.date(2020, 3, 1)

    def synthetic(self, days=50, change=20, beta0=0.8, beta1=0.25, x0=200.0, n=1e7):
        """Daily onsets of the model (new infectious = -(dS + dE)), rounded."""
        e0, i0 = seed_split(x0, beta0)
        rows = solve("--population", repr(n), "--beta", repr(beta0), "--sigma", repr(SIGMA),
                     "--gamma", repr(GAMMA), "--days", str(days), "--e0", repr(e0),
                     "--i0", repr(i0), "--change", f"{change}:{beta1!r}")
        counts = []
        for a, b in zip(rows, rows[1:]):
            onsets = -(float(b["S"]) - float(a["S"]) + float(b["E"]) - float(a["E"]))
            counts.append(round(onsets))
        return counts

    def fit(self, text, *extra, name="incidence.csv"):
        path = self.write(name, text)
        return run("fit", "--incidence", path, *extra)

    def test_recovers_betas_and_forecasts(self):
        counts = self.synthetic()
        lines = ["date,new_confirmed"]
        for d, c in enumerate(counts):
            lines.append(f"{self.START + datetime.timedelta(days=d)},{c}")
        code, out, err = self.fit("\n".join(lines) + "\n", "--population", "1e7",
                                  "--change-date", str(self.START + datetime.timedelta(days=20)),
                                  "--family", "poisson", "--forecast", "7")
        self.assertEqual(code, 0, err)
        est, fc = split_fit_output(out)
        self.assertEqual(list(est), ["beta_0", "beta_1", "R0_0", "R0_1", "seed", "loglik", "aic"])
        self.assertAlmostEqual(float(est["beta_0"]["estimate"]), 0.8, delta=0.03)
        self.assertAlmostEqual(float(est["beta_1"]["estimate"]), 0.25, delta=0.02)
        self.assertAlmostEqual(float(est["R0_1"]["estimate"]), 0.25 / GAMMA, delta=0.06)
        for k in ("beta_0", "beta_1"):
            r = est[k]
            self.assertLess(float(r["lower"]), float(r["estimate"]))
            self.assertLess(float(r["estimate"]), float(r["upper"]))
        # the forecast: 7 dated days after the last row, intervals ordered
        self.assertEqual(len(fc), 7)
        self.assertEqual(list(fc[0].keys()), ["date", "day", "expected", "median", "lower",
                                              "upper", "expected_lower", "expected_upper"])
        self.assertEqual(fc[0]["date"], str(self.START + datetime.timedelta(days=50)))
        self.assertEqual(fc[0]["day"], "50")
        truth = self.synthetic(days=57)[50:]
        for row, t in zip(fc, truth):
            lo, med, hi = float(row["lower"]), float(row["median"]), float(row["upper"])
            self.assertLessEqual(lo, med)
            self.assertLessEqual(med, hi)
            self.assertLessEqual(lo, t)
            self.assertLessEqual(t, hi)
        # same seed, same forecast
        code2, out2, _ = self.fit("\n".join(lines) + "\n", "--population", "1e7",
                                  "--change-date", str(self.START + datetime.timedelta(days=20)),
                                  "--family", "poisson", "--forecast", "7")
        self.assertEqual(out, out2)

    def test_undated_rows_and_gaps(self):
        counts = self.synthetic()
        # undated: consecutive days, --change-day
        code, out, err = self.fit("I\n" + "\n".join(map(str, counts)) + "\n",
                                  "--population", "1e7", "--change-day", "20",
                                  "--forecast", "3", name="undated.csv")
        self.assertEqual(code, 0, err)
        est, fc = split_fit_output(out)
        self.assertIn("size", est)  # nbinom by default
        self.assertEqual([r["day"] for r in fc], ["50", "51", "52"])
        self.assertNotIn("date", fc[0])
        beta1_daily = float(est["beta_1"]["estimate"])
        # dated with days 10-12 missing: the 13th row carries their cases
        lines, carry = ["date,new_confirmed"], 0
        for d, c in enumerate(counts):
            carry += c
            if 10 <= d <= 12:
                continue
            lines.append(f"{self.START + datetime.timedelta(days=d)},{carry}")
            carry = 0
        code, out, err = self.fit("\n".join(lines) + "\n", "--population", "1e7",
                                  "--change-date", str(self.START + datetime.timedelta(days=20)),
                                  "--forecast", "0", name="gaps.csv")
        self.assertEqual(code, 0, err)
        est, fc = split_fit_output(out)
        self.assertEqual(fc, [])
        self.assertAlmostEqual(float(est["beta_1"]["estimate"]), beta1_daily, delta=0.01)

    def test_bad_files_and_flags(self):
        good = "date,new_confirmed\n" + "".join(
            f"{self.START + datetime.timedelta(days=d)},{c}\n"
            for d, c in enumerate([1, 2, 4, 7, 9, 15, 20, 30, 28, 25]))
        change = ["--change-date", "2020-03-05"]
        cases = [
            ("negative count", good.replace(",7\n", ",-7\n"), change,
             "row 5, column new_confirmed", 1),
            ("fractional count", good.replace(",7\n", ",7.5\n"), change, "row 5", 1),
            ("not a number", good.replace(",7\n", ",seven\n").replace("new_confirmed", "I"),
             change, "row 5, column I", 1),
            ("NA count", good.replace(",7\n", ",NA\n"), change, "row 5", 1),
            ("bad date", good.replace("2020-03-04", "2020-02-30"), change, "column date", 1),
            ("dates not increasing", good.replace("2020-03-04", "2020-03-02"), change,
             "row 5", 1),
            ("no count column", good.replace("new_confirmed", "cases"), change,
             "new_confirmed", 1),
            ("short row", good.replace("2020-03-04,7", "2020-03-04"), change, "row 5", 1),
            ("empty file", "", change, "empty", 1),
            ("header only", "date,new_confirmed\n", change, "--incidence", 1),
            ("all zero", "date,I\n" + "".join(
                f"{self.START + datetime.timedelta(days=d)},0\n" for d in range(10)),
             change, "--incidence", 1),
            ("unclosed quote", good + '"2020-03-11,3\n', change, "row", 1),
            ("change after the data", good, ["--change-date", "2020-04-01"],
             "--change-date", 2),
            ("change on day 0", good, ["--change-date", "2020-03-01"], "--change-date", 2),
            ("change date not a date", good, ["--change-date", "March 5"], "--change-date", 2),
            ("change date without dates", "I\n1\n2\n3\n4\n5\n", change, "--change-date", 2),
        ]
        for what, text, extra, needle, want_code in cases:
            with self.subTest(what=what):
                code, out, err = self.fit(text, "--population", "1e6", *extra, name="bad.csv")
                self.assertEqual(code, want_code, err)
                self.assertEqual(out, "")
                self.assertIn(needle, err)
        path = self.write("good.csv", good)
        flags = [
            (["--population", "0"], "--population"),
            (["--population", "many"], "--population"),
            (["--family", "gaussian"], "--family"),
            (["--forecast", "400"], "--forecast"),
            (["--forecast", "-1"], "--forecast"),
            (["--sigma", "-1"], "--sigma"),
            (["--gamma", "0"], "--gamma"),
            (["--reported-fraction", "0"], "--reported-fraction"),
            (["--reported-fraction", "1.5"], "--reported-fraction"),
            (["--report-delay", "61"], "--report-delay"),
            (["--draws", "5"], "--draws"),
            (["--level", "1"], "--level"),
            (["--seed", "x"], "--seed"),
        ]
        for extra, needle in flags:
            argv = ["--population", "1e6", *change]
            argv = argv[2:] if extra[0] == "--population" else argv
            with self.subTest(flags=extra):
                code, out, err = run("fit", "--incidence", path, *argv, *extra)
                self.assertEqual(code, 2, err)
                self.assertEqual(out, "")
                self.assertIn(needle, err)
        code, out, err = run("fit", "--incidence", os.path.join(self.dir, "nope.csv"),
                             "--population", "1e6")
        self.assertEqual(code, 1)
        self.assertIn("nope.csv", err)
        code, out, err = run("fit", "--population", "1e6")
        self.assertEqual(code, 2)
        self.assertIn("--incidence", err)


@unittest.skipUnless(os.path.exists(os.path.join(SHARED_DATA, "china_city_daily_2020.csv")),
                     f"no real data in {SHARED_DATA}")
class WuhanTest(SeirCase):
    def test_lockdown_lowers_transmission(self):
        rows = []
        with open(os.path.join(SHARED_DATA, "china_city_daily_2020.csv"), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if (r["city_code"] == "420100" and r["kind"] == "prefecture"
                        and "2020-01-10" <= r["date"] <= "2020-02-20"):
                    rows.append((r["date"], int(r["confirmed"])))
        dates = [datetime.date.fromisoformat(d) for d, _ in rows]
        missing = [d for a, b in zip(dates, dates[1:]) for d in range((b - a).days - 1)]
        self.assertEqual(len(missing), 3, "README: no Wuhan row on 2020-01-20..22")
        lines = ["date,new_confirmed"]
        for (_, a), (d, b) in zip(rows, rows[1:]):
            lines.append(f"{d},{max(b - a, 0)}")
        path = self.write("wuhan.csv", "\n".join(lines) + "\n")
        code, out, err = run("fit", "--incidence", path, "--population", "12326518",
                             "--change-date", "2020-01-23", "--family", "nbinom",
                             "--forecast", "14")
        self.assertEqual(code, 0, err)
        est, fc = split_fit_output(out)
        b0, b1 = float(est["beta_0"]["estimate"]), float(est["beta_1"]["estimate"])
        self.assertLess(b1, b0)
        self.assertLess(float(est["R0_1"]["upper"]), float(est["R0_0"]["lower"]))
        self.assertGreater(float(est["R0_0"]["estimate"]), 1)
        self.assertLess(float(est["size"]["estimate"]), 5)
        self.assertEqual(len(fc), 14)
        self.assertEqual(fc[0]["date"], "2020-02-21")
        for r in fc:
            self.assertLessEqual(float(r["lower"]), float(r["median"]))
            self.assertLessEqual(float(r["median"]), float(r["upper"]))
        # with a 14-day report delay the lockdown brings R below 1
        code, out, err = run("fit", "--incidence", path, "--population", "12326518",
                             "--change-date", "2020-01-23", "--report-delay", "14",
                             "--forecast", "0")
        self.assertEqual(code, 0, err)
        est, _ = split_fit_output(out)
        self.assertLess(float(est["R0_1"]["estimate"]), 1)
        self.assertGreater(float(est["R0_0"]["estimate"]), 1)


if __name__ == "__main__":
    unittest.main()
