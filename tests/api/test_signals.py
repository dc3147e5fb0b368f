"""Aberration detection in daily operations (issue 6): the detection API
on a region's series and on the organisation's own check-ins, the daily
run that stores signals and pushes them to webhooks, who sees which
signals, and their acknowledgement.

setUpClass writes detect_time = off into the fresh database before the
server starts (so the server's own daily run waits), then builds two
departments of its own -- 信号测试部 (six people) and 信号对照部 (two) --
with check-ins over 21 days: a quiet background with a cough now and then
in 信号测试部 and four people with fever or cough on SPIKE.  Two region
series are imported: 110105 (in the demo official's prefix "11") with a
jump on SPIKE, and 310101 (outside it) with the same jump.

The detection numbers are checked against `fangkong detect ears` on the
same counts -- the command the R fixtures test (test_detect_cli.py) -- so
the API adds only the series it builds and the dates.
"""

import csv
import datetime
import io
import os
import sqlite3
import subprocess
import time
import unittest

import fk

SPIKE = "2020-04-21"
FIRST = "2020-04-01"
DEPT_T, DEPT_C = "信号测试部", "信号对照部"
HEAD_T, HEAD_C = "sighead", "sighead2"
HEAD_PASSWORD = "sighead-pass-2020"
# a cough on these days in DEPT_T, before the spike (0-based day offsets)
BACKGROUND = {2: 1, 5: 1, 9: 1, 12: 1, 16: 1}
SPIKE_SICK = 4  # of the six people of DEPT_T on SPIKE


def day(offset, start=FIRST):
    return (datetime.date.fromisoformat(start)
            + datetime.timedelta(days=offset)).isoformat()


def region_rows(code, spike_value):
    rows = []
    for i in range(21):
        v = 3 + (i % 3)           # 3, 4, 5, 3, 4, 5 ...
        if day(i) == SPIKE:
            v = spike_value
        rows.append((day(i), code, v, 0, 0))
    return rows


class SignalsTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = fk.Server(cls.__module__)
        try:
            # the server's own run waits until the tests have built the data
            db = sqlite3.connect(cls.server.db)
            db.execute("INSERT INTO settings(key, value, updated_at) VALUES "
                       "('detect_time', 'off', 0)")
            db.commit()
            db.close()
            cls.server.start()
            cls.s = {u: cls.server.login(u) for u in cls.LOGINS}
            cls.receiver = fk.Receiver()
            cls.build()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.receiver.close()
        super().tearDownClass()

    @classmethod
    def build(cls):
        office, admin = cls.s["office"], cls.s["admin"]

        def ok(r, status=200):
            assert r.status == status, r
            return r.json()

        cls.dept = {}
        for name in (DEPT_T, DEPT_C):
            cls.dept[name] = ok(office.post("/api/v1/departments", {"name": name}), 201)
        cls.people = {DEPT_T: ["SG%02d" % i for i in range(1, 7)],
                      DEPT_C: ["SC%02d" % i for i in range(1, 3)]}
        for dname, ids in cls.people.items():
            for pid in ids:
                ok(office.post("/api/v1/people", {
                    "id": pid, "name": "信号" + pid, "kind": "staff",
                    "department_id": cls.dept[dname]["id"], "region_code": "110108"}), 201)
        for username, dname in ((HEAD_T, DEPT_T), (HEAD_C, DEPT_C)):
            ok(admin.post("/api/v1/users", {"username": username, "password": HEAD_PASSWORD,
                                            "role": "dept_head", "department": dname}), 201)
        cls.head_t = cls.server.login(HEAD_T, HEAD_PASSWORD)
        cls.head_c = cls.server.login(HEAD_C, HEAD_PASSWORD)
        cls.hook = ok(admin.post("/api/v1/webhooks", {
            "name": "信号推送", "kind": "generic", "url": cls.receiver.url("/signal"),
            "events": ["signal"], "enabled": True}), 201)

        # check-ins: DEPT_T's expected daily count of fever-or-cough people
        cls.expected_t = []
        for i in range(21):
            d = day(i)
            sick = SPIKE_SICK if d == SPIKE else BACKGROUND.get(i, 0)
            cls.expected_t.append(sick)
            for k, pid in enumerate(cls.people[DEPT_T]):
                body = {"person_id": pid, "date": d, "temperature_c": 36.5,
                        "region_code": "110108", "location": "home"}
                if k < sick:
                    # one by fever alone, the others by cough
                    if k == 0:
                        body["temperature_c"] = 38.1
                    else:
                        body["symptoms"] = ["cough"]
                ok(office.post("/api/v1/reports", body), 201)
            for pid in cls.people[DEPT_C]:
                ok(office.post("/api/v1/reports", {
                    "person_id": pid, "date": d, "temperature_c": 36.6,
                    "region_code": "110108", "location": "home"}), 201)
        fk.seed_series(cls.s["official"],
                       fk.series_csv(region_rows("110105", 40) + region_rows("310101", 40)),
                       source="sigtest")

    # ---- helpers ------------------------------------------------------------

    def detect_cli(self, counts, method="C2", min_sigma=None):
        """`fangkong detect ears` on counts: {t: (upperbound, alarm)}."""
        path = os.path.join(self.server.dir, "obs-%s.csv" % method)
        with open(path, "w") as f:
            f.write("observed\n" + "".join("%d\n" % c for c in counts))
        args = [fk.BIN, "detect", "ears", "--method", method, "--input", path]
        if min_sigma is not None:
            args += ["--min-sigma", repr(min_sigma)]
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = {}
        for row in csv.DictReader(io.StringIO(r.stdout)):
            out[int(row["t"])] = (float(row["upperbound"]), row["alarm"])
        return out

    def detect(self, session, query):
        r = session.get("/api/v1/analytics/detect?" + query)
        self.assertStatus(r, 200)
        return r.json()

    # ---- detection on demand ------------------------------------------------

    def test_checkins_series_is_the_fever_or_cough_count(self):
        b = self.detect(self.s["office"], "scope=checkins&department=%d&from=%s&to=%s"
                        % (self.dept[DEPT_T]["id"], FIRST, SPIKE))
        self.assertEqual(b["department"], DEPT_T)
        self.assertEqual(b["method"], "C2")
        self.assertEqual(b["min_sigma"], 0.5)
        got = {it["date"]: it["observed"] for it in b["items"]}
        for i, n in enumerate(self.expected_t):
            if day(i) in got:
                self.assertEqual(got[day(i)], n, day(i))
        # the history before `from` is the first days' baseline
        self.assertEqual(b["items"][0]["date"], FIRST)
        self.assertEqual(len(b["items"]), 21)
        self.assertEqual(b["items"][-1]["date"], SPIKE)
        self.assertTrue(b["items"][-1]["alarm"], b["items"][-1])
        self.assertFalse(any(it["alarm"] for it in b["items"][:-1]), b["items"])

    def test_checkins_bounds_equal_the_detect_command(self):
        b = self.detect(self.s["office"], "scope=checkins&department=%d&method=C3&from=%s&to=%s"
                        % (self.dept[DEPT_T]["id"], FIRST, SPIKE))
        # the API's series starts DETECT_HISTORY_DAYS (35) before `from`
        # with zeros; the command gets the same series
        counts = [0] * 35 + self.expected_t
        cli = self.detect_cli(counts, "C3", 0.5)
        self.assertEqual(len(b["items"]), 21)
        for i, it in enumerate(b["items"]):
            bound, alarm = cli[36 + i]
            self.assertAlmostEqual(it["upperbound"], bound, delta=1e-9 * max(1, bound))
            self.assertEqual(it["alarm"], alarm == "1", it)

    def test_region_series_alarm_on_the_jump(self):
        b = self.detect(self.s["analyst"], "region=110105&from=%s&to=%s" % (FIRST, SPIKE))
        self.assertEqual(b["region"], "110105")
        self.assertEqual(b["region_name"], "朝阳区")
        counts = [r[2] for r in region_rows("110105", 40)]
        cli = self.detect_cli(counts, "C1")
        b1 = self.detect(self.s["office"], "region=110105&method=C1&to=" + SPIKE)
        self.assertEqual(len(b1["items"]), len(cli))
        for it, t in zip(b1["items"], sorted(cli)):
            self.assertAlmostEqual(it["upperbound"], cli[t][0], places=9)
            self.assertEqual(it["alarm"], cli[t][1] == "1")
        self.assertEqual(b1["items"][-1]["date"], SPIKE)
        self.assertTrue(b1["items"][-1]["alarm"])
        self.assertEqual(b["items"][-1]["observed"], 40)

    def test_farrington_needs_years_of_history(self):
        r = self.s["analyst"].get("/api/v1/analytics/detect?region=110105&method=farrington"
                                  "&to=" + SPIKE)
        self.assertError(r, 400, "invalid", "b")
        self.assertIn("decrease b", r.json()["error"]["message"])

    def test_head_sees_only_their_subtree(self):
        b = self.detect(self.head_t, "scope=checkins&from=%s&to=%s" % (FIRST, SPIKE))
        self.assertEqual(b["department"], DEPT_T, "a head's default is their own department")
        r = self.head_c.get("/api/v1/analytics/detect?scope=checkins&department=%d"
                            % self.dept[DEPT_T]["id"])
        self.assertError(r, 404, field="department")
        r = self.head_t.get("/api/v1/analytics/detect?region=110105")
        self.assertError(r, 403)

    def test_who_may_call(self):
        r = self.s["staff"].get("/api/v1/analytics/detect?region=110105")
        self.assertError(r, 403)
        r = self.s["official"].get("/api/v1/analytics/detect?scope=checkins")
        self.assertError(r, 403)
        r = self.s["analyst"].get("/api/v1/analytics/detect?scope=checkins")
        self.assertError(r, 403)
        r = self.req("GET", "/api/v1/analytics/detect?region=110105")
        self.assertError(r, 401)
        r = self.s["staff"].get("/api/v1/analytics/signals")
        self.assertError(r, 403)
        for who in ("analyst", "staff", "head", "admin"):
            r = self.s[who].post("/api/v1/analytics/detect/run", {"date": SPIKE})
            self.assertError(r, 403)
        for who in ("analyst", "staff", "admin"):
            r = self.s[who].post("/api/v1/analytics/signals/1/ack", {"note": "x"})
            self.assertError(r, 403)
        r = self.s["admin"].get("/api/v1/analytics/signals")
        self.assertError(r, 403)

    def test_bad_input_names_the_field(self):
        o = self.s["office"]
        for query, field in (("region=11010", "region"), ("region=110105&method=C4", "method"),
                             ("region=110105&baseline=2", "baseline"),
                             ("region=110105&alpha=1", "alpha"),
                             ("region=110105&alpha=0", "alpha"),
                             ("region=110105&min_sigma=-1", "min_sigma"),
                             ("region=110105&from=2020-13-01", "from"),
                             ("region=110105&from=2020-05-01&to=2020-04-01", "from"),
                             ("scope=people", "scope"), ("", "region"),
                             ("scope=checkins&department=0", "department"),
                             ("region=110105&method=farrington&b=0", "b")):
            r = o.get("/api/v1/analytics/detect?" + query)
            self.assertError(r, 400, field=field)
        r = o.get("/api/v1/analytics/detect?region=110105&to=2020-04-05")
        self.assertError(r, 400, field="from")
        self.assertIn("starts on 2020-04-01", r.json()["error"]["message"])
        r = o.get("/api/v1/analytics/detect?region=650000")
        self.assertError(r, 404, field="region")
        r = o.post("/api/v1/analytics/detect/run", {"date": "2020-02-30"})
        self.assertError(r, 400, field="date")
        r = o.post("/api/v1/analytics/detect/run", {"day": SPIKE})
        self.assertError(r, 400, field="day")
        r = o.get("/api/v1/analytics/signals?kind=person")
        self.assertError(r, 400, field="kind")

    # ---- the run, the signals, the webhook ------------------------------------

    def run_spike(self):
        r = self.s["office"].post("/api/v1/analytics/detect/run", {"date": SPIKE})
        self.assertStatus(r, 200)
        return r.json()

    def test_run_stores_signals_once_and_pushes_them(self):
        first = self.run_spike()
        self.assertEqual(first["date"], SPIKE)
        self.assertGreaterEqual(first["regions_checked"], 2)
        self.assertGreaterEqual(first["departments_checked"], 2)
        again = self.run_spike()
        self.assertEqual(again["new_signals"], 0, "a rerun finds the same signals")
        sigs = self.s["office"].get("/api/v1/analytics/signals?from=%s&to=%s"
                                    % (SPIKE, SPIKE)).json()["items"]
        mine = [s for s in sigs if s["kind"] == "department"
                and s["department_id"] == self.dept[DEPT_T]["id"]]
        self.assertEqual(len(mine), 1, sigs)
        self.assertEqual(mine[0]["observed"], SPIKE_SICK)
        self.assertEqual(mine[0]["method"], "C2")
        self.assertFalse([s for s in sigs if s.get("department_id") == self.dept[DEPT_C]["id"]])
        regions = {s["region_code"] for s in sigs if s["kind"] == "region"}
        self.assertTrue({"110105", "310101"} <= regions, regions)
        got = self.receiver.wait_for(
            lambda p, b: isinstance(b, dict) and b.get("event") == "signal"
            and b["signal"].get("department") == DEPT_T)
        self.assertIsNotNone(got, "the department signal reaches the webhook")
        self.assertEqual(got[1]["signal"]["date"], SPIKE)
        self.assertEqual(got[1]["signal"]["observed"], SPIKE_SICK)

    def test_visibility_and_acknowledgement(self):
        self.run_spike()
        dept_t = self.dept[DEPT_T]["id"]
        head_t = self.head_t.get("/api/v1/analytics/signals?to=" + SPIKE).json()["items"]
        self.assertTrue(head_t)
        self.assertTrue(all(s["kind"] == "department" and s["department_id"] == dept_t
                            for s in head_t), head_t)
        head_c = self.head_c.get("/api/v1/analytics/signals?to=" + SPIKE).json()["items"]
        self.assertEqual(head_c, [], "another department's head sees none of them")
        official = self.s["official"].get("/api/v1/analytics/signals").json()["items"]
        self.assertTrue(official)
        self.assertTrue(all(s["kind"] == "region" and s["region_code"].startswith("11")
                            for s in official), official)
        analyst = self.s["analyst"].get("/api/v1/analytics/signals").json()["items"]
        self.assertIn("310101", {s["region_code"] for s in analyst})
        self.assertTrue(all(s["kind"] == "region" for s in analyst))

        sig = head_t[0]
        r = self.head_c.post("/api/v1/analytics/signals/%d/ack" % sig["id"], {"note": "x"})
        self.assertError(r, 404)
        shanghai = [s for s in analyst if s["region_code"] == "310101"][0]
        r = self.s["official"].post("/api/v1/analytics/signals/%d/ack" % shanghai["id"],
                                    {"note": "不在辖区"})
        self.assertError(r, 404)
        r = self.head_t.post("/api/v1/analytics/signals/%d/ack" % sig["id"],
                             {"note": "已排查：同一办公室四人感冒，已居家"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["acked_by"], HEAD_T)
        self.assertGreater(r.json()["acked_at"], 0)
        r = self.s["office"].post("/api/v1/analytics/signals/%d/ack" % sig["id"], {})
        self.assertError(r, 409)
        still_open = self.head_t.get("/api/v1/analytics/signals?open=1").json()["items"]
        self.assertNotIn(sig["id"], [s["id"] for s in still_open])
        audit = self.s["admin"].get("/api/v1/audit?limit=200").json()["items"]
        self.assertTrue([e for e in audit if e["action"] == "acknowledge"
                         and e["object_type"] == "signal"
                         and e["object_id"] == str(sig["id"])], "the ack is audited")

    def test_server_runs_detection_by_itself(self):
        """The daily run looks at yesterday once detect_time has passed:
        check-ins ending yesterday with a jump give a signal without any
        call to /detect/run."""
        office, admin = self.s["office"], self.s["admin"]
        today = fk.today_cst()
        dept = self.dept[DEPT_C]["id"]
        for i in range(10, 0, -1):
            d = fk.add_days(today, -i)
            for k, pid in enumerate(self.people[DEPT_C]):
                body = {"person_id": pid, "date": d, "temperature_c": 36.5,
                        "region_code": "110108", "location": "home"}
                if i == 1:
                    body["symptoms"] = ["cough"]
                self.assertStatus(office.post("/api/v1/reports", body), 201)
        yesterday = fk.add_days(today, -1)
        before = office.get("/api/v1/analytics/signals?kind=department&from=" + yesterday)
        self.assertEqual(before.json()["items"], [], "off: the server has not run")
        self.assertStatus(admin.put("/api/v1/settings", {"detect_time": "00:00"}), 200)
        deadline = time.monotonic() + 15
        found = []
        while not found and time.monotonic() < deadline:
            items = office.get("/api/v1/analytics/signals?kind=department&from="
                               + yesterday).json()["items"]
            found = [s for s in items if s["department_id"] == dept]
            time.sleep(0.2)
        self.assertEqual(len(found), 1, "the server's daily run stored the signal")
        self.assertEqual(found[0]["observed"], 2)
        self.assertEqual(found[0]["date"], yesterday)

    # ---- Rt of the organisation's own cases ------------------------------------

    def test_org_rt_from_the_cases_registered_here(self):
        r = self.s["office"].get("/api/v1/analytics/rt?scope=org")
        self.assertError(r, 404, field="scope")
        official = self.s["official"]
        counts = [1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 6, 5, 4, 3]   # report days 2020-05-01..14
        k = 0
        for i, c in enumerate(counts):
            for _ in range(c):
                k += 1
                sub = official.post("/api/v1/subjects", {
                    "name": "院内病例%02d" % k, "phone": "137%08d" % k,
                    "region_code": "110108"})
                self.assertStatus(sub, 201)
                case = official.post("/api/v1/cases", {
                    "subject_id": sub.json()["id"], "classification": "confirmed",
                    "report_date": day(i, "2020-05-01"), "region_code": "110108"})
                self.assertStatus(case, 201)
        r = self.s["analyst"].get("/api/v1/analytics/rt?scope=org&to=2020-05-14")
        self.assertStatus(r, 200)
        b = r.json()
        self.assertEqual(b["scope"], "org")
        self.assertIsNone(b["region"])
        path = os.path.join(self.server.dir, "org-incidence.csv")
        with open(path, "w") as f:
            f.write("I\n" + "".join("%d\n" % c for c in counts))
        cli = subprocess.run([fk.BIN, "rt", "--incidence", path, "--si-mean", "7.5",
                              "--si-sd", "3.4"], capture_output=True, text=True, timeout=60)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        rows = list(csv.DictReader(io.StringIO(cli.stdout)))
        self.assertEqual(len(b["items"]), len(rows))
        for it, row in zip(b["items"], rows):
            self.assertEqual(it["t_end"], int(row["t_end"]))
            if row["Mean(R)"] == "NA":
                self.assertIsNone(it["mean"])
            else:
                self.assertAlmostEqual(it["mean"], float(row["Mean(R)"]),
                                       delta=1e-9 * float(row["Mean(R)"]))
                self.assertAlmostEqual(it["q975"], float(row["Quantile.0.975(R)"]),
                                       delta=1e-9 * float(row["Quantile.0.975(R)"]))
        self.assertEqual(b["items"][-1]["date_end"], "2020-05-14")
        r = self.s["office"].get("/api/v1/analytics/rt?scope=people")
        self.assertError(r, 400, field="scope")
        r = self.s["staff"].get("/api/v1/analytics/rt?scope=org")
        self.assertError(r, 403)

    def test_detect_time_setting_is_checked(self):
        r = self.s["admin"].put("/api/v1/settings", {"detect_time": "25:00"})
        self.assertError(r, 400, field="detect_time")


if __name__ == "__main__":
    unittest.main()
