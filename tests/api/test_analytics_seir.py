"""GET /api/v1/analytics/seir: the SEIR model fitted to a region's stored
series, and its forecast (docs/api.md "Analytics", docs/analytics.md
"SEIR").

  - a series the model itself made (宜昌 420500, its 2020 census
    population, transmission cut on a known day) is imported; the API's
    beta of each period is close to the truth, its fit and forecast are
    the numbers `fangkong seir fit` gives for the same counts (the same
    code path: 1e-6 relative), and the forecast has `horizon` dated rows
    with lower <= median <= upper that hold the model's own continuation;
  - the population is looked up in the built-in tables (census row,
    municipality by province code, province sum, JHU's figure where the
    sum is short or absent) or given; an XPCC city has none;
  - defaults: `to` clamps to the last day of the series and a series
    longer than 366 days fits its last 366 days;
  - Wuhan (420100) from ../shared/data through the canghailan importer,
    lockdown 2020-01-23: R0 above 1 before, lower after (skipped when the
    data are absent);
  - every bad parameter is a 400 naming it; an unknown region 404; staff,
    department heads and admins 403; no session 401; officials, analysts
    and the office all get the same answer.

Python 3 standard library only; the harness is fk.py.
"""

import csv
import datetime
import io
import json
import math
import os
import subprocess
import tempfile
import unittest

import fk

SIGMA = 1 / 5.2
GAMMA = 1 / 2.9

DATA = os.path.normpath(os.path.join(fk._ROOT, "..", "shared", "data"))
CANGHAILAN = os.path.join(DATA, "china_city_daily_2020.csv")

# The synthetic epidemic: 宜昌 (2020 census: 4,017,607 people), from
# 2020-03-01 for 50 days, beta 0.8 then 0.25 from day 20 (2020-03-21).
REGION = "420500"
POPULATION = 4017607
START = datetime.date(2020, 3, 1)
DAYS = 50
CHANGE_DAY = 20
BETA0, BETA1, X0 = 0.8, 0.25, 200.0
CHANGE = (START + datetime.timedelta(days=CHANGE_DAY)).isoformat()
LAST = (START + datetime.timedelta(days=DAYS - 1)).isoformat()

# Short series for the population look-up: 10 growing days from START.
SHORT = [1, 2, 3, 5, 8, 12, 18, 27, 40, 60]
POP_REGIONS = {
    "110000": (21893095, "census2020"),  # Beijing: its row has city_code 110100
    "420000": (57752557, "province"),    # Hubei: sum of its 17 census rows
    "650000": (24870000, "province"),    # Xinjiang: 10 XPCC rows lack a figure -> JHU
    "710000": (23816775, "province"),    # Taiwan: no census rows -> JHU
}
XPCC = "659001"                          # 石河子: no census figure
LONG_REGION = "420600"                   # 400 days: longer than a fit takes
LONG_START = datetime.date(2021, 1, 1)
LONG_DAYS = 400
EMPTY_REGION = "420700"                  # 10 days without a case
GAP_REGION = "420800"                    # the synthetic epidemic without rows on days 10-12

SEGMENT_KEYS = {"from", "beta", "beta_lo", "beta_hi", "r0", "r0_lo", "r0_hi"}
FIT_KEYS = {"segments", "seed", "size", "loglik", "aic", "converged", "covariance_ok",
            "evaluations"}
BODY_KEYS = {"region", "population", "population_source", "family", "from", "to", "change",
             "sigma", "gamma", "reported", "delay", "fit", "observed", "forecast", "warnings"}
FORECAST_KEYS = {"date", "expected", "median", "lower", "upper", "expected_lower",
                 "expected_upper"}


def seed_split(x0, beta):
    """seir.h's start along the dominant mode: (E0, I0) of X0 infected."""
    r = (-(SIGMA + GAMMA) + math.sqrt((SIGMA - GAMMA) ** 2 + 4 * SIGMA * beta)) / 2
    a = r + GAMMA
    return x0 * a / (a + SIGMA), x0 * SIGMA / (a + SIGMA)


def synthetic(days):
    """Daily new infectious people of the model (-(dS + dE)), rounded, by
    `fangkong seir` itself."""
    e0, i0 = seed_split(X0, BETA0)
    p = subprocess.run([fk.BIN, "seir", "--population", str(POPULATION), "--beta", repr(BETA0),
                        "--sigma", repr(SIGMA), "--gamma", repr(GAMMA), "--days", str(days),
                        "--e0", repr(e0), "--i0", repr(i0),
                        "--change", "%d:%r" % (CHANGE_DAY, BETA1)],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("fangkong seir: %s" % p.stderr)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    return [round(-(float(b["S"]) - float(a["S"]) + float(b["E"]) - float(a["E"])))
            for a, b in zip(rows, rows[1:])]


def strict_json(r):
    """The body, refusing NaN and Infinity (which are not JSON)."""
    def refuse(name):
        raise AssertionError("%s %s: %s in the body" % (r.method, r.path, name))
    return json.loads(r.body.decode("utf-8"), parse_constant=refuse)


def close(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


def day(iso, n):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=n)).isoformat()


class SeirCase(fk.ServerTestCase):
    """A server, and the checks against `fangkong seir fit`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="seir-cli-", dir=cls.server.dir)

    def seir(self, query, session="analyst", status=200):
        r = self.s[session].get("/api/v1/analytics/seir?" + query, timeout=120)
        self.assertStatus(r, status)
        return strict_json(r) if status == 200 else r

    def cli_fit(self, observed, changes, population, family, horizon):
        """`fangkong seir fit` on the same dated counts: (estimates, forecast)."""
        path = os.path.join(self.tmp, "incidence.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("date,new_confirmed\n")
            for o in observed:
                f.write("%s,%d\n" % (o["date"], o["cases"]))
        args = [fk.BIN, "seir", "fit", "--incidence", path, "--population", str(population),
                "--family", family, "--forecast", str(horizon), "--draws", "1000",
                "--seed", "1"]
        for c in changes:
            args += ["--change-date", c]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _, tail = p.stdout.partition("\n\n")
        est = {r["parameter"]: r for r in csv.DictReader(io.StringIO(head + "\n"))}
        return est, list(csv.DictReader(io.StringIO(tail)))

    def assertSameAsCli(self, body):
        """body's fit and forecast are `fangkong seir fit`'s."""
        est, fc = self.cli_fit(body["observed"], body["change"], body["population"],
                               body["family"], len(body["forecast"]))

        def same(api, cli, what):
            if cli == "NA":
                self.assertIsNone(api, what)
            else:
                self.assertIsNotNone(api, what)
                self.assertTrue(close(api, float(cli)), "%s: API %r, CLI %s" % (what, api, cli))

        for k, seg in enumerate(body["fit"]["segments"]):
            b, r0 = est["beta_%d" % k], est["R0_%d" % k]
            same(seg["beta"], b["estimate"], "beta_%d" % k)
            same(seg["beta_lo"], b["lower"], "beta_%d lower" % k)
            same(seg["beta_hi"], b["upper"], "beta_%d upper" % k)
            same(seg["r0"], r0["estimate"], "R0_%d" % k)
            same(seg["r0_lo"], r0["lower"], "R0_%d lower" % k)
            same(seg["r0_hi"], r0["upper"], "R0_%d upper" % k)
        self.assertNotIn("beta_%d" % len(body["fit"]["segments"]), est)
        same(body["fit"]["seed"], est["seed"]["estimate"], "seed")
        if body["family"] == "nbinom":
            same(body["fit"]["size"], est["size"]["estimate"], "size")
        else:
            self.assertIsNone(body["fit"]["size"])
            self.assertNotIn("size", est)
        same(body["fit"]["loglik"], est["loglik"]["estimate"], "loglik")
        same(body["fit"]["aic"], est["aic"]["estimate"], "aic")
        # same draws and seed: the same forecast (the CLI prints counts
        # with no decimals and means with 6)
        self.assertEqual(len(fc), len(body["forecast"]))
        for api, cli in zip(body["forecast"], fc):
            self.assertEqual(api["date"], cli["date"])
            for k in ("median", "lower", "upper"):
                self.assertLessEqual(abs(api[k] - float(cli[k])), 0.5 + 1e-9,
                                     "%s %s: API %r, CLI %s" % (api["date"], k, api[k], cli[k]))
            for k in ("expected", "expected_lower", "expected_upper"):
                self.assertLessEqual(abs(api[k] - float(cli[k])), 1e-6 * max(1, abs(api[k])),
                                     "%s %s: API %r, CLI %s" % (api["date"], k, api[k], cli[k]))

    def assertForecast(self, body, horizon):
        fc = body["forecast"]
        self.assertEqual(len(fc), horizon)
        for i, row in enumerate(fc):
            self.assertEqual(set(row), FORECAST_KEYS)
            self.assertEqual(row["date"], day(body["to"], i + 1))
            self.assertLessEqual(row["lower"], row["median"])
            self.assertLessEqual(row["median"], row["upper"])
            self.assertLessEqual(row["expected_lower"], row["expected_upper"])
            self.assertGreaterEqual(row["lower"], 0)


class SeirApiTest(SeirCase):
    LOGINS = ("official", "office", "analyst", "staff", "head", "admin")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.counts = synthetic(DAYS)
            rows = [((START + datetime.timedelta(days=d)).isoformat(), REGION, c, 0, 0)
                    for d, c in enumerate(cls.counts)]
            for code in list(POP_REGIONS) + [XPCC]:
                rows += [((START + datetime.timedelta(days=d)).isoformat(), code, c, 0, 0)
                         for d, c in enumerate(SHORT)]
            rows += [((START + datetime.timedelta(days=d)).isoformat(), EMPTY_REGION, 0, 0, 0)
                     for d in range(10)]
            rows += [((LONG_START + datetime.timedelta(days=d)).isoformat(), LONG_REGION,
                      5 + d // 40, 0, 0) for d in range(LONG_DAYS)]
            carry = 0
            for d, c in enumerate(cls.counts):
                carry += c
                if 10 <= d <= 12:
                    continue
                rows.append(((START + datetime.timedelta(days=d)).isoformat(), GAP_REGION,
                             carry, 0, 0))
                carry = 0
            rows.sort()
            fk.seed_series(cls.s["official"], fk.series_csv(rows), source="synthetic")
        except BaseException:
            cls.tearDownClass()
            raise

    # ---- (1) the synthetic epidemic ---------------------------------------------

    def test_recovers_the_betas_and_agrees_with_the_cli(self):
        body = self.seir("region=%s&change=%s&family=poisson&horizon=7" % (REGION, CHANGE))
        self.assertEqual(set(body), BODY_KEYS)
        self.assertEqual(body["region"], REGION)
        self.assertEqual(body["population"], POPULATION)
        self.assertEqual(body["population_source"], "census2020")
        self.assertEqual(body["family"], "poisson")
        # from: the first row; to: today, clamped to the last row
        self.assertEqual((body["from"], body["to"]), (START.isoformat(), LAST))
        self.assertEqual(body["change"], [CHANGE])
        self.assertAlmostEqual(body["sigma"], SIGMA, places=9)
        self.assertAlmostEqual(body["gamma"], GAMMA, places=9)
        self.assertEqual((body["reported"], body["delay"]), (1, 0))
        fit = body["fit"]
        self.assertEqual(set(fit), FIT_KEYS)
        self.assertEqual([set(s) for s in fit["segments"]], [SEGMENT_KEYS] * 2)
        self.assertEqual([s["from"] for s in fit["segments"]], [START.isoformat(), CHANGE])
        b0, b1 = fit["segments"]
        self.assertAlmostEqual(b0["beta"], BETA0, delta=0.03)
        self.assertAlmostEqual(b1["beta"], BETA1, delta=0.02)
        self.assertAlmostEqual(b1["r0"], BETA1 / GAMMA, delta=0.06)
        for s in (b0, b1):
            self.assertLess(s["beta_lo"], s["beta"])
            self.assertLess(s["beta"], s["beta_hi"])
            self.assertAlmostEqual(s["r0"], s["beta"] / GAMMA, places=6)
        self.assertIsNone(fit["size"])
        self.assertTrue(fit["converged"])
        self.assertTrue(fit["covariance_ok"])
        self.assertGreater(fit["evaluations"], 0)
        self.assertEqual(body["warnings"], [])
        # observed: every day from..to with its count and the model's mean
        self.assertEqual([o["date"] for o in body["observed"]],
                         [day(START.isoformat(), d) for d in range(DAYS)])
        self.assertEqual([o["cases"] for o in body["observed"]], self.counts)
        for o in body["observed"][5:]:
            self.assertAlmostEqual(o["expected"], o["cases"], delta=0.02 * o["cases"] + 3)
        # the forecast holds the model's own next 7 days
        self.assertForecast(body, 7)
        truth = synthetic(DAYS + 7)[DAYS:]
        for row, t in zip(body["forecast"], truth):
            self.assertLessEqual(row["lower"], t)
            self.assertLessEqual(t, row["upper"])
        self.assertSameAsCli(body)

    def test_negative_binomial_default_agrees_with_the_cli(self):
        body = self.seir("region=%s&change=%s" % (REGION, CHANGE))
        self.assertEqual(body["family"], "nbinom")
        self.assertIsNotNone(body["fit"]["size"])
        self.assertForecast(body, 14)
        self.assertSameAsCli(body)
        # the same request, the same answer (seeded simulations)
        self.assertEqual(self.seir("region=%s&change=%s" % (REGION, CHANGE)), body)

    def test_days_without_a_row(self):
        # days 10-12 have no row: the 13th's row holds their cases
        q = "change=%s&population=%d&family=poisson&horizon=3" % (CHANGE, POPULATION)
        body = self.seir("region=%s&%s" % (GAP_REGION, q))
        dates = [o["date"] for o in body["observed"]]
        self.assertEqual(len(dates), DAYS - 3)
        self.assertNotIn(day(START.isoformat(), 11), dates)
        self.assertEqual(body["observed"][10]["date"], day(START.isoformat(), 13))
        self.assertEqual(body["observed"][10]["cases"], sum(self.counts[10:14]))
        self.assertSameAsCli(body)
        # the fit hardly changes (the counts were exact)
        full = self.seir("region=%s&%s" % (REGION, q))
        for a, b in zip(body["fit"]["segments"], full["fit"]["segments"]):
            self.assertAlmostEqual(a["beta"], b["beta"], delta=0.01)
        # a `from` or `to` inside the gap moves to a day with a row
        body = self.seir("region=%s&%s&from=%s&to=%s" % (GAP_REGION, q, day(START.isoformat(), 11),
                                                        LAST))
        self.assertEqual(body["from"], day(START.isoformat(), 13))
        self.assertTrue(any("from moved" in w for w in body["warnings"]), body["warnings"])
        body = self.seir("region=%s&population=%d&from=%s&to=%s&horizon=2"
                         % (GAP_REGION, POPULATION, START.isoformat(), day(START.isoformat(), 11)))
        self.assertEqual(body["to"], day(START.isoformat(), 9))
        self.assertEqual(body["forecast"][0]["date"], day(START.isoformat(), 10))

    def test_parameters_reach_the_model(self):
        q = ("region=%s&change=%s&from=%s&to=%s&family=poisson&horizon=3&sigma=0.25"
             "&gamma=0.5&reported=0.5&delay=2&draws=200&seed=7&level=0.8&population=5000000"
             % (REGION, CHANGE, day(START.isoformat(), 2), day(LAST, -3)))
        body = self.seir(q)
        self.assertEqual((body["from"], body["to"]), (day(START.isoformat(), 2), day(LAST, -3)))
        self.assertEqual(len(body["observed"]), DAYS - 5)
        self.assertEqual((body["population"], body["population_source"]), (5000000, "query"))
        self.assertEqual((body["sigma"], body["gamma"], body["reported"], body["delay"]),
                         (0.25, 0.5, 0.5, 2))
        self.assertForecast(body, 3)
        self.assertEqual(body["forecast"][0]["date"], day(LAST, -2))
        # R0 is beta / gamma with the gamma asked for
        for s in body["fit"]["segments"]:
            self.assertAlmostEqual(s["r0"], s["beta"] / 0.5, places=6)
        # a `to` after the series is clamped, and says so
        body = self.seir("region=%s&to=2020-12-31&horizon=1&draws=100" % REGION)
        self.assertEqual(body["to"], LAST)
        self.assertTrue(any("to moved" in w for w in body["warnings"]), body["warnings"])

    # ---- population ------------------------------------------------------------

    def test_population_lookup(self):
        for code, (pop, source) in POP_REGIONS.items():
            with self.subTest(region=code):
                body = self.seir("region=%s&family=poisson&horizon=1&draws=100" % code)
                self.assertEqual((body["population"], body["population_source"]), (pop, source))
                self.assertEqual(len(body["observed"]), len(SHORT))
        # an XPCC city: the census has no figure, so the caller must give one
        r = self.seir("region=%s&horizon=1&draws=100" % XPCC, status=400)
        self.assertError(r, 400, "invalid", "population")
        body = self.seir("region=%s&population=650000&family=poisson&horizon=1&draws=100" % XPCC)
        self.assertEqual((body["population"], body["population_source"]), (650000, "query"))

    # ---- a series longer than a fit takes ------------------------------------------

    def test_long_series_fits_its_last_366_days(self):
        last = day(LONG_START.isoformat(), LONG_DAYS - 1)
        body = self.seir("region=%s&family=poisson&horizon=2&draws=100" % LONG_REGION)
        self.assertEqual(body["to"], last)
        self.assertEqual(body["from"], day(last, -365))
        self.assertEqual(len(body["observed"]), 366)
        self.assertTrue(any("366" in w for w in body["warnings"]), body["warnings"])
        # asked for explicitly, more than 366 days is refused
        r = self.seir("region=%s&from=%s" % (LONG_REGION, LONG_START.isoformat()), status=400)
        self.assertError(r, 400, "invalid", "from")

    # ---- (3) bad input ---------------------------------------------------------

    def test_every_bad_parameter_is_named(self):
        base = {"region": REGION, "change": CHANGE}
        too_many = ",".join(day(START.isoformat(), d) for d in range(1, 18))
        cases = [
            ("region", None), ("region", ""), ("region", "42050"), ("region", "4205001"),
            ("region", "abcdef"), ("region", "990000"), ("region", "420500x"),
            ("from", "2020-13-01"), ("from", "March"), ("from", day(LAST, 1)), ("from", "2020-06-01"),
            ("to", "2020-02-30"), ("to", "today"), ("to", "2020-01-01"),
            ("change", START.isoformat()), ("change", LAST), ("change", "2020-06-01"),
            ("change", "2020-03-21,2020-03-10"), ("change", "2020-03-21,2020-03-21"),
            ("change", "x"), ("change", CHANGE + ","), ("change", "," + CHANGE),
            ("change", too_many),
            ("population", "0"), ("population", "-1"), ("population", "abc"),
            ("population", "1e11"), ("population", "nan"), ("population", "inf"),
            ("population", "0.5"),
            ("family", "gaussian"), ("family", "Poisson"),
            ("horizon", "0"), ("horizon", "91"), ("horizon", "x"), ("horizon", "1.5"),
            ("sigma", "0"), ("sigma", "-1"), ("sigma", "101"), ("sigma", "x"),
            ("gamma", "0"), ("gamma", "-0.1"), ("gamma", "1000"), ("gamma", "1/2.9"),
            ("reported", "0"), ("reported", "1.5"), ("reported", "-1"),
            ("delay", "-1"), ("delay", "61"), ("delay", "x"),
            ("draws", "99"), ("draws", "5001"), ("draws", "x"),
            ("seed", "-1"), ("seed", "2147483648"), ("seed", "x"),
            ("level", "0"), ("level", "1"), ("level", "1.5"), ("level", "x"),
        ]
        for name, value in cases:
            q = dict(base)
            if value is None:
                del q[name]
            else:
                q[name] = value
            query = "&".join("%s=%s" % kv for kv in q.items())
            with self.subTest(query=query):
                r = self.s["analyst"].get("/api/v1/analytics/seir?" + query)
                self.assertError(r, 400, "invalid", name)
        # a range too short for its change points, and one without a case
        r = self.s["analyst"].get("/api/v1/analytics/seir?region=%s&from=%s"
                                  % (REGION, day(LAST, -1)))
        self.assertError(r, 400, "invalid", "from")
        r = self.s["analyst"].get("/api/v1/analytics/seir?region=" + EMPTY_REGION)
        self.assertError(r, 400, "invalid", "from")

    def test_unknown_region_is_404(self):
        r = self.s["analyst"].get("/api/v1/analytics/seir?region=420999")
        self.assertError(r, 404, "not_found", "region")

    def test_who_may_not_call_it(self):
        path = "/api/v1/analytics/seir?region=%s&change=%s" % (REGION, CHANGE)
        for who in ("staff", "head", "admin"):
            with self.subTest(who=who):
                self.assertError(self.s[who].get(path), 403, "forbidden")
        self.assertError(self.req("GET", path), 401, "unauthenticated")

    # ---- (4) who may ----------------------------------------------------------------

    def test_official_analyst_and_office_get_the_same_answer(self):
        path = "region=%s&change=%s&horizon=5&draws=300" % (REGION, CHANGE)
        bodies = [self.seir(path, session=who) for who in ("official", "analyst", "office")]
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(bodies[0], bodies[2])
        r = self.s["office"].get("/api/v1/analytics/seir?" + path, cookie=True)
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type", "").startswith("application/json"))
        self.assertSecurityHeaders(r)


def wuhan_rows():
    """The canghailan rows of Wuhan (the header and its prefecture rows)."""
    with open(CANGHAILAN, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return "\n".join([lines[0]] + [ln for ln in lines[1:]
                                   if ",420100,武汉市,prefecture," in ln]) + "\n"


@unittest.skipUnless(os.path.exists(CANGHAILAN), "no ../shared/data next to the repository")
class SeirWuhanTest(SeirCase):
    """(2) Wuhan, through the canghailan importer."""
    LOGINS = ("official", "analyst")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            r = fk.import_series(cls.s["official"], wuhan_rows(), fmt="canghailan")
            if r.status != 200:
                raise AssertionError("canghailan import: %r" % r)
        except BaseException:
            cls.tearDownClass()
            raise

    def test_lockdown_lowers_transmission(self):
        body = self.seir("region=420100&to=2020-02-20&change=2020-01-23")
        self.assertEqual((body["population"], body["population_source"]),
                         (12326518, "census2020"))
        self.assertEqual((body["from"], body["to"]), ("2020-01-10", "2020-02-20"))
        before, after = body["fit"]["segments"]
        self.assertEqual(after["from"], "2020-01-23")
        self.assertGreater(before["r0"], 1)
        self.assertLess(after["r0"], before["r0"])
        self.assertIsNotNone(body["fit"]["size"])
        self.assertLess(body["fit"]["size"], 5)  # far more dispersed than Poisson
        self.assertEqual(len(body["forecast"]), 14)
        self.assertEqual(body["forecast"][0]["date"], "2020-02-21")
        self.assertForecast(body, 14)
        # no Wuhan row on 2020-01-20..22 (data README): the 23rd's row
        # holds those days' cases, and the fit knows it
        dates = [o["date"] for o in body["observed"]]
        self.assertNotIn("2020-01-21", dates)
        self.assertEqual(len(dates), 42 - 3)
        self.assertEqual(body["observed"][dates.index("2020-01-23")]["cases"], 297)
        self.assertSameAsCli(body)

    def test_whole_series_by_default(self):
        body = self.seir("region=420100&change=2020-01-23")
        # to: today, clamped to canghailan's last day
        self.assertEqual((body["from"], body["to"]), ("2020-01-10", "2020-12-08"))
        self.assertEqual(len(body["observed"]), 334 - 3)
        before, after = body["fit"]["segments"]
        self.assertLess(after["r0"], 1)
        self.assertGreater(before["r0"], 1)


if __name__ == "__main__":
    unittest.main()
