"""What the office and department heads see of the daily reports (issue 3):
the dashboard, non-reporters, alerts and their acknowledgement,
data-quality flags, the daily exports and the webhooks that push alerts.

setUpClass builds a small organisation of its own next to the demo one --
departments 测试防控部 (with the sub-group 测试防控一组) and 测试后勤组,
seven people, and a department head `testhead` of 测试防控部 -- and
reports for five of them on DAY through the office. Counts over the whole
organisation are checked as differences from before, so the demo data
may hold reports of its own; counts in the test head's scope are exact.
"""

import csv
import http.server
import io
import itertools
import json
import socket
import threading
import time
import unittest
import zipfile

import fk

TODAY = fk.today_cst()
DAY = "2020-03-02"          # the dashboard day (under the Feb 2020 policy)
FLAG_DAY = "2020-03-12"     # data-quality checks, in their own department
HEAD_PASSWORD = "testhead-pass-2020"

DEPT_A, DEPT_A1, DEPT_B, DEPT_C = "测试防控部", "测试防控一组", "测试后勤组", "测试质量组"

# id: (name, kind, department, region_code)
PEOPLE = {
    "TA01": ("甲一", "staff", DEPT_A, "110108"),
    "TA02": ("甲二", "staff", DEPT_A, "110108"),
    "TA03": ("甲三", "student", DEPT_A, "420102"),
    "TA11": ("甲十一", "postdoc", DEPT_A1, "110108"),
    "TA12": ("甲十二", "staff", DEPT_A1, "110108"),
    "TB01": ("乙一", "staff", DEPT_B, "110108"),
    "TB02": ("乙二", "visitor", DEPT_B, "110108"),
}
# what each reports on DAY (TB01 first reads 37.3, then re-measures 36.6)
DAY_REPORTS = [
    ("TA01", {"temperature_c": 36.5}),
    ("TA02", {"temperature_c": 36.8, "symptoms": ["cough"]}),
    ("TA03", {"temperature_c": 36.4, "region_code": "420102"}),
    ("TA11", {"temperature_c": 36.6, "symptoms": ["fatigue"]}),
    ("TB01", {"temperature_c": 37.3}),
    ("TB01", {"temperature_c": 36.6}),
]
FINAL = {"TA01": "green", "TA02": "red", "TA03": "green", "TA11": "yellow", "TB01": "green"}
HEAD_SCOPE = ("TA01", "TA02", "TA03", "TA11", "TA12")
COUNTS = ("reported", "green", "yellow", "red")


def report(**over):
    b = {"temperature_c": 36.5, "region_code": "110108", "location": "home"}
    b.update(over)
    return {k: v for k, v in b.items() if v is not None}


Receiver = fk.Receiver


def closed_port():
    """A local port nothing listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class DashboardTest(fk.ServerTestCase):

    _ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.build_organisation()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def build_organisation(cls):
        office, admin = cls.s["office"], cls.s["admin"]

        def ok(r, status=200):
            assert r.status == status, r
            return r.json()

        cls.settings_at_start = ok(admin.get("/api/v1/settings"))
        cls.before = ok(office.get("/api/v1/dashboard?date=" + DAY))
        cls.dept = {}
        for name, parent in ((DEPT_A, None), (DEPT_A1, DEPT_A), (DEPT_B, None), (DEPT_C, None)):
            body = {"name": name}
            if parent:
                body["parent_id"] = cls.dept[parent]["id"]
            cls.dept[name] = ok(office.post("/api/v1/departments", body), 201)
        for pid, (name, kind, dept, region) in PEOPLE.items():
            ok(office.post("/api/v1/people", {"id": pid, "name": name, "kind": kind,
                                              "department_id": cls.dept[dept]["id"],
                                              "region_code": region}), 201)
        ok(admin.post("/api/v1/users", {"username": "testhead", "password": HEAD_PASSWORD,
                                        "role": "dept_head", "department": DEPT_A}), 201)
        cls.testhead = cls.server.login("testhead", HEAD_PASSWORD)
        cls.day_reports = {}
        for pid, over in DAY_REPORTS:
            b = ok(office.post("/api/v1/reports", report(person_id=pid, date=DAY, **over)), 201)
            cls.day_reports.setdefault(pid, []).append(b)
        cls.after = ok(office.get("/api/v1/dashboard?date=" + DAY))

    # ---- helpers ------------------------------------------------------------------

    def person(self, department=DEPT_C, kind="staff", region="110108"):
        pid = "TX%03d" % next(self._ids)
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": "质检" + pid, "kind": kind,
            "department_id": self.dept[department]["id"], "region_code": region})
        self.assertStatus(r, 201)
        return pid

    def on_behalf(self, pid, date, **over):
        r = self.s["office"].post("/api/v1/reports", report(person_id=pid, date=date, **over))
        self.assertStatus(r, 201)
        return r.json()

    def alerts(self, session, query):
        return self.all_pages(session, "/api/v1/alerts?" + query)

    def alert_of(self, session, pid, date=DAY):
        found = [a for a in self.alerts(session, "date=" + date) if a["person_id"] == pid]
        self.assertEqual(len(found), 1, "alerts of %s on %s: %r" % (pid, date, found))
        return found[0]

    def deliveries(self, webhook_id):
        r = self.s["admin"].get("/api/v1/deliveries?limit=200")
        self.assertStatus(r, 200)
        return [d for d in r.json()["items"] if d["webhook_id"] == webhook_id]

    def create_webhook(self, **over):
        body = {"name": "测试推送%d" % next(self._ids), "kind": "generic",
                "url": "http://127.0.0.1:9/", "events": ["alert"], "enabled": True}
        body.update(over)
        r = self.s["admin"].post("/api/v1/webhooks", body)
        self.assertStatus(r, 201)
        w = r.json()
        self.addCleanup(self.s["admin"].delete, "/api/v1/webhooks/%d" % w["id"])
        return w

    # ---- dashboard --------------------------------------------------------------

    def test_dashboard_counts_for_office(self):
        b, a = self.before, self.after
        self.assertEqual(a["date"], DAY)
        self.assertEqual(a["people"] - b["people"], 7)
        self.assertEqual(a["reported"] - b["reported"], 5, "TB01 re-measured: counted once")
        self.assertEqual(a["green"] - b["green"], 3)
        self.assertEqual(a["yellow"] - b["yellow"], 1)
        self.assertEqual(a["red"] - b["red"], 1)
        self.assertEqual(a["missing"] - b["missing"], 2)
        self.assertEqual(a["green"] + a["yellow"] + a["red"], a["reported"])
        self.assertEqual(a["people"] - a["reported"], a["missing"])
        depts = {d["id"]: d for d in a["departments"]}
        want = {DEPT_A: (3, 3, 2, 0, 1), DEPT_A1: (2, 1, 0, 1, 0), DEPT_B: (2, 1, 1, 0, 0)}
        for name, (people, reported, green, yellow, red) in want.items():
            with self.subTest(department=name):
                d = depts[self.dept[name]["id"]]
                self.assertEqual(d["name"], name)
                self.assertEqual(d["path"], self.dept[name]["path"])
                self.assertEqual((d["people"], d["reported"], d["green"], d["yellow"], d["red"]),
                                 (people, reported, green, yellow, red))
                self.assertRate(d["rate"], reported, people)
        self.assertEqual(sum(d["reported"] for d in a["departments"]), a["reported"],
                         "department rows add up to the total")
        places_b = {p["place"]: p for p in b["places"]}
        places_a = {p["place"]: p for p in a["places"]}
        self.assertLessEqual(set(places_a), {"hubei", "city", "outside"})
        zero = dict.fromkeys(COUNTS, 0)

        def delta(place):
            return tuple(places_a.get(place, zero)[k] - places_b.get(place, zero)[k]
                         for k in COUNTS)
        self.assertEqual(delta("hubei"), (1, 1, 0, 0), "TA03 reports from Jiang'an, Wuhan")
        self.assertEqual(delta("city"), (4, 2, 1, 1))
        self.assertEqual(delta("outside"), (0, 0, 0, 0))
        self.assertTrend(a, DAY)
        self.assertEqual(a["trend"][-1]["reported"], a["reported"])
        self.assertEqual(a["trend"][-1]["red"], a["red"])

    def assertRate(self, rate, reported, people):
        frac = reported / people
        self.assertTrue(abs(rate - frac) < 0.01 or abs(rate - 100 * frac) < 1,
                        "rate %r for %d of %d" % (rate, reported, people))

    def assertTrend(self, dash, date):
        trend = dash["trend"]
        self.assertEqual(len(trend), 30)
        self.assertEqual([t["date"] for t in trend],
                         [fk.add_days(date, i) for i in range(-29, 1)])
        for t in trend:
            self.assertEqual(t["green"] + t["yellow"] + t["red"], t["reported"], t)

    def test_dashboard_for_dept_head_is_its_subtree(self):
        r = self.testhead.get("/api/v1/dashboard?date=" + DAY)
        self.assertStatus(r, 200)
        d = r.json()
        self.assertEqual((d["people"], d["reported"], d["missing"], d["green"], d["yellow"],
                          d["red"]), (5, 4, 1, 2, 1, 1))
        self.assertEqual({x["id"] for x in d["departments"]},
                         {self.dept[DEPT_A]["id"], self.dept[DEPT_A1]["id"]})
        places = {p["place"]: tuple(p[k] for k in COUNTS) for p in d["places"]}
        self.assertEqual(places.get("hubei"), (1, 1, 0, 0))
        self.assertEqual(places.get("city"), (3, 1, 1, 1))
        self.assertIn(places.get("outside", (0, 0, 0, 0)), [(0, 0, 0, 0)])
        self.assertTrend(d, DAY)
        self.assertEqual([(t["reported"], t["green"], t["yellow"], t["red"]) for t in d["trend"]],
                         [(0, 0, 0, 0)] * 29 + [(4, 2, 1, 1)])
        # the demo head sees none of the test departments
        r = self.s["head"].get("/api/v1/dashboard?date=" + DAY)
        self.assertStatus(r, 200)
        ids = {x["id"] for x in r.json()["departments"]}
        self.assertFalse(ids & {x["id"] for x in self.dept.values()})

    def test_dashboard_defaults_to_today_and_checks_date(self):
        r = self.s["office"].get("/api/v1/dashboard")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["date"], TODAY)
        self.assertError(self.s["office"].get("/api/v1/dashboard?date=2020-02-30"), 400,
                         "invalid", "date")

    def test_dashboard_refused_to_other_roles(self):
        for name in ("staff", "analyst", "admin", "official"):
            with self.subTest(role=name):
                self.assertError(self.s[name].get("/api/v1/dashboard?date=" + DAY), 403,
                                 "forbidden")
        self.assertError(self.req("GET", "/api/v1/dashboard"), 401)

    # ---- non-reporters ------------------------------------------------------------

    def test_missing_for_dept_head_is_exactly_its_non_reporters(self):
        got = self.all_pages(self.testhead, "/api/v1/missing?date=" + DAY)
        self.assertEqual([p["id"] for p in got], ["TA12"])
        self.assertEqual((got[0]["name"], got[0]["department_id"]),
                         ("甲十二", self.dept[DEPT_A1]["id"]))
        got = self.all_pages(self.testhead, "/api/v1/missing?date=" + fk.add_days(DAY, -1))
        self.assertEqual(sorted(p["id"] for p in got), sorted(HEAD_SCOPE))

    def test_missing_for_office_is_everyone_without_a_report(self):
        office = self.s["office"]
        everyone = {p["id"] for p in self.all_people(office)}
        reported = {x["person_id"] for x in self.all_pages(office, "/api/v1/reports?date=" + DAY)}
        self.assertLessEqual(set(FINAL), reported)
        missing = [p["id"] for p in self.all_pages(office, "/api/v1/missing?date=" + DAY)]
        self.assertEqual(len(missing), len(set(missing)), "a person listed twice")
        self.assertEqual(set(missing), everyone - reported)
        self.assertLessEqual({"TA12", "TB02"}, set(missing))
        # pages of 7 give the same list
        paged = [p["id"] for p in self.all_pages(office, "/api/v1/missing?date=" + DAY, limit=7)]
        self.assertEqual(paged, missing)
        r = office.get("/api/v1/missing?date=%s&limit=5" % DAY)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["date"], DAY)
        self.assertEqual(len(r.json()["items"]), 5)

    def test_missing_for_demo_head_stays_in_its_subtree(self):
        head = self.s["head"]
        scope = {p["id"] for p in self.all_people(head)}
        reported = {x["person_id"] for x in self.all_pages(head, "/api/v1/reports?date=" + DAY)}
        missing = {p["id"] for p in self.all_pages(head, "/api/v1/missing?date=" + DAY)}
        self.assertEqual(missing, scope - reported)
        self.assertFalse(missing & set(PEOPLE))

    def test_missing_refused_to_staff_and_others(self):
        for name in ("staff", "analyst", "admin", "official"):
            with self.subTest(role=name):
                self.assertError(self.s[name].get("/api/v1/missing?date=" + DAY), 403,
                                 "forbidden")
        self.assertError(self.s["office"].get("/api/v1/missing?date=tomorrow"), 400, "invalid",
                         "date")

    # ---- alerts ---------------------------------------------------------------------

    def test_alerts_list_the_red_and_yellow(self):
        by_person = {}
        for a in self.alerts(self.s["office"], "date=" + DAY):
            by_person.setdefault(a["person_id"], []).append(a)
        for pid in ("TA01", "TA03"):
            self.assertNotIn(pid, by_person, "a green report raised an alert")
        want = {"TA02": ("red", "red_symptom"), "TA11": ("yellow", "yellow_symptom"),
                "TB01": ("yellow", "fever_recheck")}
        for pid, (status, rule) in want.items():
            with self.subTest(person=pid):
                self.assertEqual(len(by_person.get(pid, [])), 1, by_person.get(pid))
                a = by_person[pid][0]
                for k in ("id", "report_id", "person_id", "person_name", "department_id",
                          "department", "date", "status", "rule", "reason", "created_at",
                          "acked_by", "acked_at", "clinic_visited", "community_informed",
                          "result", "follow_up"):
                    self.assertIn(k, a)
                self.assertEqual((a["status"], a["rule"], a["date"], a["person_name"],
                                  a["department"]),
                                 (status, rule, DAY, PEOPLE[pid][0], PEOPLE[pid][2]))
                self.assertIn(a["report_id"], [b["id"] for b in self.day_reports[pid]])
        seen = {a["person_id"] for a in self.alerts(self.testhead, "date=" + DAY)}
        self.assertEqual(seen, {"TA02", "TA11"})
        for name in ("staff", "analyst", "admin", "official"):
            with self.subTest(role=name):
                self.assertError(self.s[name].get("/api/v1/alerts"), 403, "forbidden")

    def test_ack_with_a_note_then_409(self):
        a = self.alert_of(self.testhead, "TA02")
        self.assertFalse(a["acked_by"])
        note = {"clinic_visited": True, "community_informed": True,
                "result": "发热门诊排除新冠肺炎", "follow_up": "居家观察，明日复查"}
        r = self.testhead.post("/api/v1/alerts/%d/ack" % a["id"], note)
        self.assertStatus(r, 200)
        got = r.json()
        self.assertEqual(got["id"], a["id"])
        self.assertEqual(got["acked_by"], "testhead")
        self.assertTrue(got["acked_at"])
        self.assertEqual((got["clinic_visited"], got["community_informed"], got["result"],
                          got["follow_up"]),
                         (True, True, note["result"], note["follow_up"]))
        # it stays acknowledged, and is no longer open
        again = self.alert_of(self.s["office"], "TA02")
        self.assertEqual((again["acked_by"], again["result"]), ("testhead", note["result"]))
        open_ids = {x["id"] for x in self.alerts(self.s["office"], "open=1&date=" + DAY)}
        self.assertNotIn(a["id"], open_ids)
        r = self.s["office"].post("/api/v1/alerts/%d/ack" % a["id"], {"result": "再次"})
        self.assertError(r, 409, "conflict")
        self.assertEqual(self.alert_of(self.s["office"], "TA02")["result"], note["result"])

    def test_ack_scope_and_input(self):
        outside = self.alert_of(self.s["office"], "TB01")
        r = self.testhead.post("/api/v1/alerts/%d/ack" % outside["id"], {"result": "x"})
        self.assertError(r, 404, "not_found")
        self.assertFalse(self.alert_of(self.s["office"], "TB01")["acked_by"])
        inside = self.alert_of(self.testhead, "TA11")
        for body, field in (({"clinic_visited": "yes"}, "clinic_visited"),
                            ({"result": "结" * 201}, "result"),
                            ({"follow_up": 5}, "follow_up"),
                            ({"mood": "ok"}, "mood")):
            with self.subTest(field=field):
                r = self.testhead.post("/api/v1/alerts/%d/ack" % inside["id"], body)
                self.assertError(r, 400, "invalid", field)
        self.assertFalse(self.alert_of(self.s["office"], "TA11")["acked_by"])
        self.assertError(self.s["staff"].post("/api/v1/alerts/%d/ack" % inside["id"], {}), 403)
        self.assertError(self.s["office"].post("/api/v1/alerts/987654/ack", {}), 404)
        r = self.s["office"].post("/api/v1/alerts/%d/ack" % outside["id"], {})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["acked_by"], "office")

    # ---- data quality -----------------------------------------------------------------

    def test_three_identical_days_are_flagged_copied(self):
        pid, other = self.person(), self.person()
        same = {"temperature_c": 36.5, "symptoms": [], "location": "home"}
        flags = [self.on_behalf(pid, fk.add_days(FLAG_DAY, i), **same)["flags"]
                 for i in (-2, -1, 0)]
        self.assertNotIn("copied", flags[0])
        self.assertNotIn("copied", flags[1])
        self.assertIn("copied", flags[2])
        # a temperature that differs by a tenth is not a copy
        for i, t in ((-2, 36.5), (-1, 36.5), (0, 36.6)):
            b = self.on_behalf(other, fk.add_days(FLAG_DAY, i), temperature_c=t)
        self.assertNotIn("copied", b["flags"])
        flagged = {x["person_id"] for x in self.all_pages(
            self.s["office"], "/api/v1/reports?flagged=1&date=" + FLAG_DAY)}
        self.assertIn(pid, flagged)
        self.assertNotIn(other, flagged)
        stored = [x for x in self.all_pages(self.s["office"], "/api/v1/reports?person_id=" + pid)
                  if x["date"] == FLAG_DAY]
        self.assertIn("copied", stored[0]["flags"])

    def test_implausible_readings_are_flagged(self):
        pid = self.person()
        cases = [({"temperature_c": 36.0, "symptoms": ["fever"]}, True),
                 ({"temperature_c": 35.4}, True),
                 ({"temperature_c": 42.1}, True),
                 ({"temperature_c": 37.4, "symptoms": ["fever"]}, False),
                 ({"temperature_c": 35.5}, False),
                 ({"temperature_c": 36.5}, False)]
        for i, (over, flagged) in enumerate(cases):
            with self.subTest(over=over):
                b = self.on_behalf(pid, fk.add_days(FLAG_DAY, -10 - i), **over)
                self.assertEqual("implausible" in b["flags"], flagged, b["flags"])

    def test_workplace_outside_the_city_is_inconsistent(self):
        pid = self.person()
        b = self.on_behalf(pid, fk.add_days(FLAG_DAY, -20), location="workplace",
                           region_code="130102")
        self.assertIn("inconsistent", b["flags"])
        b = self.on_behalf(pid, fk.add_days(FLAG_DAY, -21), location="workplace",
                           region_code="110105")
        self.assertNotIn("inconsistent", b["flags"])
        b = self.on_behalf(pid, fk.add_days(FLAG_DAY, -22), location="home",
                           region_code="130102")
        self.assertNotIn("inconsistent", b["flags"])

    def test_burst_from_a_staff_account(self):
        pid = self.person()
        r = self.s["admin"].post("/api/v1/users", {"username": "burst-" + pid.lower(),
                                                   "password": "burst-pass-2020",
                                                   "role": "staff", "person_id": pid})
        self.assertStatus(r, 201)
        s = self.server.login("burst-" + pid.lower(), "burst-pass-2020")
        flags = []
        for i in range(7):
            r = s.post("/api/v1/reports", report(temperature_c=36.5 + i / 10))
            self.assertStatus(r, 201)
            flags.append(r.json()["flags"])
        self.assertNotIn("burst", flags[0])
        self.assertIn("burst", flags[-1])
        # the office's batches are normal
        for pid_, bodies in self.day_reports.items():
            for b in bodies:
                self.assertNotIn("burst", b["flags"], pid_)

    # ---- exports ------------------------------------------------------------------------

    def export(self, session, query, status=200):
        r = session.get("/api/v1/exports/daily?" + query)
        self.assertStatus(r, status)
        return r

    def csv_table(self, r):
        """The CSV body of r as a list of dicts keyed by column: a header
        cell may carry a Chinese label before the English key ("状态
        status"); the key is its last word."""
        self.assertTrue(r.header("Content-Type", "").startswith("text/csv"),
                        r.header("Content-Type"))
        self.assertIn("attachment", r.header("Content-Disposition", ""))
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
        self.assertGreater(len(rows), 0, "no header")
        keys = [h.split()[-1] if h.split() else h for h in rows[0]]
        self.assertEqual(len(keys), len(set(keys)), "repeated column: %r" % rows[0])
        for row in rows[1:]:
            if row:
                self.assertEqual(len(row), len(keys), row)
        return [dict(zip(keys, row)) for row in rows[1:] if row]

    @staticmethod
    def status_of(cell):
        """green/yellow/red/missing from a status cell ("绿 green")."""
        words = set(cell.split())
        found = words & {"green", "yellow", "red", "missing"}
        return found.pop() if len(found) == 1 else cell

    def test_export_by_person_csv(self):
        r = self.export(self.testhead, "from=%s&to=%s&by=person&format=csv"
                        % (fk.add_days(DAY, -1), DAY))
        rows = self.csv_table(r)
        for k in ("date", "person_id", "name", "department", "status"):
            self.assertIn(k, rows[0], "no %s column" % k)
        # one row per person in scope and day, reported or not
        got = {(row["date"], row["person_id"]): row for row in rows}
        self.assertEqual(len(got), len(rows), "a person-day listed twice")
        self.assertEqual(set(got), {(d, pid) for d in (fk.add_days(DAY, -1), DAY)
                                    for pid in HEAD_SCOPE})
        for pid in HEAD_SCOPE:
            with self.subTest(person=pid):
                self.assertEqual(self.status_of(got[(fk.add_days(DAY, -1), pid)]["status"]),
                                 "missing")
                row = got[(DAY, pid)]
                self.assertEqual(self.status_of(row["status"]), FINAL.get(pid, "missing"))
                self.assertEqual(row["name"], PEOPLE[pid][0])
                self.assertTrue(row["department"].endswith(PEOPLE[pid][2]), row["department"])
        if "temperature_c" in rows[0]:
            self.assertEqual(got[(DAY, "TA02")]["temperature_c"], "36.8")

        r = self.export(self.s["office"], "from=%s&to=%s&by=person&format=csv" % (DAY, DAY))
        rows = self.csv_table(r)
        everyone = self.all_people(self.s["office"])
        self.assertEqual(len(rows), len(everyone))
        tb01 = [row for row in rows if row["person_id"] == "TB01"]
        self.assertEqual(len(tb01), 1)
        self.assertEqual(self.status_of(tb01[0]["status"]), "green",
                         "the re-measured (current) version counts")
        reported = len(self.all_pages(self.s["office"], "/api/v1/reports?date=" + DAY))
        coloured = [row for row in rows if self.status_of(row["status"]) != "missing"]
        self.assertEqual(len(coloured), reported)

    def test_export_by_department_csv(self):
        r = self.export(self.testhead, "from=%s&to=%s&by=department&format=csv" % (DAY, DAY))
        rows = self.csv_table(r)
        for k in ("date", "department", "people", "reported", "green", "yellow", "red"):
            self.assertIn(k, rows[0], "no %s column" % k)
        self.assertEqual(len(rows), 2, rows)
        by_name = {}
        for row in rows:
            self.assertEqual(row["date"], DAY)
            name = row["department"].split("/")[-1]
            by_name[name] = tuple(int(row[k]) for k in ("people", "reported", "green",
                                                        "yellow", "red"))
        self.assertEqual(by_name, {DEPT_A: (3, 3, 2, 0, 1), DEPT_A1: (2, 1, 0, 1, 0)})

    def test_export_xlsx(self):
        r = self.export(self.testhead, "from=%s&to=%s&by=person&format=xlsx" % (DAY, DAY))
        self.assertEqual(r.body[:2], b"PK")
        self.assertIn("attachment", r.header("Content-Disposition", ""))
        self.assertIn(".xlsx", r.header("Content-Disposition", ""))
        z = zipfile.ZipFile(io.BytesIO(r.body))
        self.assertIsNone(z.testzip())
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.endswith(".xml"))
        for pid in ("TA01", "TA02", "TA11"):
            self.assertIn(PEOPLE[pid][0], text, "xlsx lacks %s" % pid)
        self.assertNotIn(PEOPLE["TB01"][0], text)

    def test_export_refused_and_bad_parameters(self):
        q = "from=%s&to=%s&by=person&format=csv" % (DAY, DAY)
        for name in ("staff", "analyst", "admin", "official"):
            with self.subTest(role=name):
                self.assertError(self.s[name].get("/api/v1/exports/daily?" + q), 403,
                                 "forbidden")
        for query, field in (("from=%s&to=%s&by=person&format=pdf" % (DAY, DAY), "format"),
                             ("from=%s&to=%s&by=team&format=csv" % (DAY, DAY), "by"),
                             ("from=2020-03-32&to=%s&by=person&format=csv" % DAY, "from"),
                             ("from=%s&to=2020-03-01&by=person&format=csv" % DAY, "from|to")):
            with self.subTest(query=query):
                r = self.s["office"].get("/api/v1/exports/daily?" + query)
                e = self.assertError(r, 400, "invalid")
                self.assertIn(e.get("field"), field.split("|"), r)

    # ---- webhooks -------------------------------------------------------------------------

    def test_webhook_gets_the_alert(self):
        rx = Receiver()
        self.addCleanup(rx.close)
        generic = self.create_webhook(url=rx.url("/generic"))
        wecom = self.create_webhook(kind="wecom", url=rx.url("/wecom"))
        dingtalk = self.create_webhook(kind="dingtalk", url=rx.url("/dingtalk"))
        off = self.create_webhook(url=rx.url("/disabled"), enabled=False)
        remind = self.create_webhook(url=rx.url("/reminders"), events=["reminder"])
        r = self.s["admin"].get("/api/v1/webhooks")
        self.assertStatus(r, 200)
        listed = {w["id"]: w for w in r.json()["items"]}
        self.assertEqual((listed[generic["id"]]["kind"], listed[generic["id"]]["url"]),
                         ("generic", rx.url("/generic")))
        self.assertFalse(listed[off["id"]]["enabled"])

        pid = self.person(department=DEPT_B)
        name = "质检" + pid
        b = self.on_behalf(pid, TODAY, symptoms=["cough"])
        self.assertEqual(b["status"], "red")
        got = rx.wait_for(lambda p, body: p == "/generic" and isinstance(body, dict)
                          and body.get("alert", {}).get("person_id") == pid)
        self.assertIsNotNone(got, "no generic webhook POST within 10 s")
        body = got[1]
        self.assertEqual(body["event"], "alert")
        self.assertEqual((body["alert"]["person_name"], body["alert"]["status"],
                          body["alert"]["report_id"]), (name, "red", b["id"]))
        got = rx.wait_for(lambda p, body: p == "/wecom" and name in json.dumps(
            body, ensure_ascii=False))
        self.assertIsNotNone(got, "no WeCom POST naming the person within 10 s")
        self.assertEqual(got[1]["msgtype"], "markdown")
        self.assertIn(name, got[1]["markdown"]["content"])
        got = rx.wait_for(lambda p, body: p == "/dingtalk" and name in json.dumps(
            body, ensure_ascii=False))
        self.assertIsNotNone(got, "no DingTalk POST naming the person within 10 s")
        self.assertEqual(got[1]["msgtype"], "markdown")
        self.assertTrue(got[1]["markdown"]["title"])
        self.assertIn(name, got[1]["markdown"]["text"])
        # delivered, in the log
        deadline = time.monotonic() + 10
        while True:
            log = self.deliveries(generic["id"])
            if any(d["state"] == "delivered" for d in log) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        d = next((d for d in log if d["state"] == "delivered"), None)
        self.assertIsNotNone(d, "generic delivery not logged as delivered: %r" % log)
        self.assertEqual((d["event"], d["webhook_name"], d["attempts"], d["last_status"]),
                         ("alert", generic["name"], 1, 200))
        self.assertTrue(d["delivered_at"])
        # a disabled webhook got nothing, one for reminders only no alert
        time.sleep(0.5)
        with rx.lock:
            posts = [(p, json.dumps(body, ensure_ascii=False)) for p, body, _ in rx.posts]
        self.assertNotIn("/disabled", [p for p, _ in posts])
        self.assertFalse([b for p, b in posts if p == "/reminders" and name in b],
                         "a reminders-only webhook got the alert")
        # after deletion, nothing more is sent to it
        self.assertStatus(self.s["admin"].delete("/api/v1/webhooks/%d" % generic["id"]), 204)
        self.assertNotIn(generic["id"], {w["id"] for w in
                                         self.s["admin"].get("/api/v1/webhooks").json()["items"]})
        pid2 = self.person(department=DEPT_B)
        self.on_behalf(pid2, TODAY, symptoms=["fever"], temperature_c=38.1)
        self.assertIsNotNone(rx.wait_for(lambda p, body: p == "/wecom" and pid2 in json.dumps(
            body, ensure_ascii=False) or p == "/wecom" and ("质检" + pid2) in json.dumps(
            body, ensure_ascii=False)), "the remaining webhooks still deliver")
        self.assertIsNone(rx.wait_for(lambda p, body: p == "/generic" and isinstance(body, dict)
                                      and body.get("alert", {}).get("person_id") == pid2,
                                      timeout=1.5), "a deleted webhook was still called")

    def test_webhook_to_a_closed_port_never_delays_a_report(self):
        w = self.create_webhook(url="http://127.0.0.1:%d/hook" % closed_port())
        pid = self.person(department=DEPT_B)
        t0 = time.monotonic()
        r = self.s["office"].post("/api/v1/reports",
                                  report(person_id=pid, date=TODAY, symptoms=["cough"]))
        elapsed = time.monotonic() - t0
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["status"], "red")
        self.assertLess(elapsed, 2.0, "the report waited for the webhook")
        deadline = time.monotonic() + 10
        while True:
            log = [d for d in self.deliveries(w["id"]) if d["attempts"] >= 1]
            if log or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertTrue(log, "no delivery attempt logged within 10 s")
        d = log[0]
        self.assertIn(d["state"], ("pending", "failed"))
        self.assertTrue(d["last_error"], d)
        self.assertFalse(d["delivered_at"])
        # the report and its alert are there all the same
        self.assertEqual(self.alert_of(self.s["office"], pid, TODAY)["status"], "red")

    def test_webhook_that_hangs_never_delays_a_report(self):
        rx = Receiver(hold=True)
        self.addCleanup(rx.close)
        self.create_webhook(url=rx.url("/slow"))
        first = self.person(department=DEPT_B)
        self.on_behalf(first, TODAY, symptoms=["cough"])
        # wait until the server is stuck in the delivery, then report again
        self.assertIsNotNone(rx.wait_for(lambda p, body: p == "/slow"))
        t0 = time.monotonic()
        pid = self.person(department=DEPT_B)
        r = self.s["office"].post("/api/v1/reports",
                                  report(person_id=pid, date=TODAY, symptoms=["cough"]))
        self.assertStatus(r, 201)
        self.assertLess(time.monotonic() - t0, 2.0, "the report waited for a hanging webhook")
        rx.release()

    def test_webhooks_are_admin_only(self):
        for name in ("office", "head", "staff", "analyst", "official"):
            with self.subTest(role=name):
                s = self.s[name]
                self.assertError(s.get("/api/v1/webhooks"), 403, "forbidden")
                self.assertError(s.post("/api/v1/webhooks", {
                    "name": "x", "kind": "generic", "url": "http://127.0.0.1:9/",
                    "events": ["alert"], "enabled": True}), 403, "forbidden")
                self.assertError(s.delete("/api/v1/webhooks/1"), 403, "forbidden")
        self.assertStatus(self.s["office"].get("/api/v1/deliveries"), 200)
        for name in ("head", "staff", "analyst", "official"):
            with self.subTest(role=name):
                self.assertError(self.s[name].get("/api/v1/deliveries"), 403, "forbidden")

    def test_webhook_input_is_checked(self):
        base = {"name": "坏推送", "kind": "generic", "url": "http://127.0.0.1:9/",
                "events": ["alert"], "enabled": True}
        before = len(self.s["admin"].get("/api/v1/webhooks").json()["items"])
        for over, field in (({"kind": "slack"}, "kind"), ({"url": "ftp://127.0.0.1/"}, "url"),
                            ({"url": "not a url"}, "url"), ({"events": ["party"]}, "events"),
                            ({"events": "alert"}, "events"), ({"enabled": "yes"}, "enabled"),
                            ({"name": ""}, "name"), ({"colour": "red"}, "colour")):
            with self.subTest(field=field):
                body = dict(base)
                body.update(over)
                self.assertError(self.s["admin"].post("/api/v1/webhooks", body), 400, "invalid",
                                 field)
        self.assertEqual(len(self.s["admin"].get("/api/v1/webhooks").json()["items"]), before)
        self.assertError(self.s["admin"].delete("/api/v1/webhooks/987654"), 404)

    def test_reminder_after_the_cutoff(self):
        # a cut-off of 00:00 has always passed: the next pass of the
        # notifier sends today's reminders, per department with people
        # who have not reported (nobody in 测试防控部 reports today)
        rx = Receiver()
        self.addCleanup(rx.close)
        r = self.s["admin"].put("/api/v1/settings", {"report_cutoff": "00:00"})
        self.assertStatus(r, 200)
        self.addCleanup(self.s["admin"].put, "/api/v1/settings", {"report_cutoff": "10:00"})
        self.create_webhook(url=rx.url("/remind"), events=["reminder"])
        got = rx.wait_for(lambda p, body: p == "/remind" and isinstance(body, dict)
                          and body.get("department_id") == self.dept[DEPT_A]["id"])
        self.assertIsNotNone(got, "no reminder for %s within 10 s" % DEPT_A)
        body = got[1]
        self.assertEqual((body["event"], body["date"], body["department"], body["missing"],
                          body["people"], body["cutoff"]),
                         ("reminder", TODAY, DEPT_A, 3, 3, "00:00"))
        self.assertIsNone(rx.wait_for(lambda p, body: p == "/remind" and isinstance(body, dict)
                                      and body.get("event") == "alert", timeout=0.5))

    def test_export_neutralises_spreadsheet_formulas(self):
        # a name that a spreadsheet would run as a formula (CSV injection)
        pid = "TX-FORMULA"
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": '=HYPERLINK("http://evil.example/","点我")', "kind": "staff",
            "department_id": self.dept[DEPT_C]["id"], "region_code": "110108"})
        self.assertStatus(r, 201)
        date = fk.add_days(FLAG_DAY, -30)
        self.on_behalf(pid, date, symptoms=["other"], symptoms_note="@SUM(1+1)",
                       note="+cmd|' /C calc'!A0")
        rows = self.csv_table(self.export(self.s["office"], "from=%s&to=%s&by=person&format=csv"
                                          % (date, date)))
        row = next(row for row in rows if row["person_id"] == pid)
        for k, cell in row.items():
            self.assertFalse(cell[:1] in ("=", "+", "-", "@"),
                             "column %s starts a formula: %r" % (k, cell))
        self.assertIn("HYPERLINK", row["name"], "the name is still there, made harmless")

    def audit_since(self, mark):
        """Audit entries newer than id mark, oldest first."""
        items = self.s["admin"].get("/api/v1/audit?limit=500").json()["items"]
        return [e for e in reversed(items) if e["id"] > mark]

    def audit_mark(self):
        return self.s["admin"].get("/api/v1/audit?limit=1").json()["items"][0]["id"]

    def test_lists_of_named_people_are_audited(self):
        # /missing and /alerts show named people and their health status:
        # personal data, so reading them is audited (DESIGN.md 7; SPEC:
        # every read of a person, get, list or export, is recorded)
        for path, pid in (("/api/v1/missing?date=" + DAY, "TA12"),
                          ("/api/v1/alerts?date=" + DAY, "TA02")):
            with self.subTest(path=path):
                mark = self.audit_mark()
                self.assertStatus(self.testhead.get(path), 200)
                mine = [e for e in self.audit_since(mark) if e["username"] == "testhead"]
                self.assertTrue([e for e in mine if pid in (e["object_id"], e["detail"])
                                 or pid in e["detail"]],
                                "reading %s (which shows %s) left no audit entry naming them: %r"
                                % (path, pid, [(e["action"], e["object_type"], e["object_id"])
                                               for e in mine]))

    def test_exports_are_audited(self):
        mark = self.audit_mark()
        self.export(self.testhead, "from=%s&to=%s&by=person&format=csv" % (DAY, DAY))
        mine = [e for e in self.audit_since(mark) if e["username"] == "testhead"]
        named = {e["object_id"] for e in mine} | {p for e in mine for p in HEAD_SCOPE
                                                  if p in e["detail"]}
        self.assertLessEqual(set(FINAL) & set(HEAD_SCOPE), named,
                             "an exported person's report is not in the audit log")

    # ---- settings of issue 3 ---------------------------------------------------------------

    def test_settings_have_org_region_and_cutoff(self):
        start = self.settings_at_start
        self.assertEqual((start.get("org_region"), start.get("report_cutoff")),
                         ("110108", "10:00"), "the defaults of a new (demo) database")
        # whatever happens below, the organisation stays in Haidian
        self.addCleanup(self.s["admin"].put, "/api/v1/settings",
                        {"org_region": start.get("org_region") or "110108",
                         "report_cutoff": "10:00"})
        for body, field in (({"report_cutoff": "25:00"}, "report_cutoff"),
                            ({"report_cutoff": "9am"}, "report_cutoff"),
                            ({"org_region": "119999"}, "org_region"),   # no such region
                            ({"org_region": "11"}, "org_region"),
                            ({"org_region": "abcdef"}, "org_region")):
            with self.subTest(body=body):
                self.assertError(self.s["admin"].put("/api/v1/settings", body), 400, "invalid",
                                 field)
        r = self.s["admin"].put("/api/v1/settings", {"report_cutoff": "09:30"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["report_cutoff"], "09:30")
        self.assertStatus(self.s["admin"].put("/api/v1/settings", {"report_cutoff": "10:00"}), 200)


if __name__ == "__main__":
    unittest.main()
