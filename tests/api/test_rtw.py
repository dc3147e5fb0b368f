"""The zoned, graded return to work (issue 5; RULES.md §7, R4.1, R7.3,
R7.4): who may work on site today and why not (no report, a red or
yellow report, stay in place, await the school notice, medical
observation, a medium- or high-risk area where the person is or came
from), the observation an arrival from a risk area opens, department
readiness against an on-site cap, and resumption plans that department
heads submit and the office approves.

setUpClass makes four departments of its own (three under the demo
head's 科研一部, one outside it), so the counts are exact, and grades
Tianjin districts around today from a plain series (source "rtw")
imported by a Tianjin official: 120101 high, 120102 medium, 120103 low,
120104 medium (overridden by one test), 120105 without cases. No demo
person lives in Tianjin.
"""

import itertools
import unittest

import fk

TODAY = fk.today_cst()
TJ_HIGH, TJ_MEDIUM, TJ_LOW = "120101", "120102", "120103"
TJ_OVERRIDDEN = "120104"    # medium from day -10, overridden to high from day -12
TJ_NO_CASES = "120105"      # no series at all, in the same city as TJ_HIGH
DEPT_FIELDS = ("id", "name", "people", "eligible", "eligible_share", "cap_percent", "allowed",
               "plan_start", "ready")
PERSON_FIELDS = ("person_id", "name", "kind", "department_id", "on_site", "reasons", "where",
                 "where_level")
REASONS = {"no_report_today", "status_red", "status_yellow", "stay_in_place",
           "await_school_notice", "under_observation", "in_medium_risk_area",
           "in_high_risk_area", "came_from_risk_area"}
# 2020-03-02: the 5th prevention plan's policy (2020-02-21) is in force
IN_2020 = "2020-03-02"


def day(n, base=TODAY):
    return fk.add_days(base, n)


def report(**over):
    b = {"temperature_c": 36.5, "region_code": "110108", "location": "home", "date": TODAY}
    b.update(over)
    return {k: v for k, v in b.items() if v is not None}


class ReturnToWorkTest(fk.ServerTestCase):

    _n = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        office = cls.s["office"]
        r = office.get("/api/v1/departments")
        assert r.status == 200, r
        cls.head_root = next(x for x in r.json()["items"] if x["name"] == fk.HEAD_DEPARTMENT)
        cls.dept = {}
        for key, name, parent in (("a", "复工甲组", cls.head_root["id"]),
                                  ("b", "复工乙组", cls.head_root["id"]),
                                  ("c", "复工丙组", cls.head_root["id"]),
                                  ("e", "复工外组", 0)):
            r = office.post("/api/v1/departments", {"name": name, "parent_id": parent})
            assert r.status == 201, r
            cls.dept[key] = r.json()
        # a Tianjin official grades three districts around today
        r = cls.s["admin"].post("/api/v1/users", {"username": "tianjin_official",
                                                  "password": "tianjin-official-2020",
                                                  "role": "official", "region": "12"})
        assert r.status == 201, r
        cls.tianjin = cls.server.login("tianjin_official", "tianjin-official-2020")
        rows = [(day(-20), TJ_HIGH, 60, 0, 0), (day(-3), TJ_HIGH, 1, 1, 0),
                (day(-3), TJ_MEDIUM, 2, 0, 0),
                (day(-20), TJ_LOW, 1, 0, 0),
                (day(-10), TJ_OVERRIDDEN, 1, 0, 0)]
        fk.seed_series(cls.tianjin, fk.series_csv(rows), source="rtw")
        r = cls.tianjin.post("/api/v1/risk/grade", {"from": day(-25), "to": TODAY,
                                                     "source": "rtw"})
        assert r.status == 200, r

    # ---- helpers ------------------------------------------------------------

    def person(self, dept="a", kind="staff", region="110108"):
        pid = "W-%03d" % next(self._n)
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": "复工" + pid, "kind": kind,
            "department_id": self.dept[dept]["id"], "region_code": region,
            "phone": "136%08d" % next(self._n)})
        self.assertStatus(r, 201)
        return pid

    def report(self, pid, **over):
        r = self.s["office"].post("/api/v1/reports", report(person_id=pid, **over))
        self.assertStatus(r, 201)
        return r.json()

    def rtw(self, session=None, date=None):
        path = "/api/v1/return-to-work" + ("?date=" + date if date else "")
        r = (session or self.s["office"]).get(path)
        self.assertStatus(r, 200)
        return r.json()

    def row(self, pid, body=None, date=None):
        body = body or self.rtw(date=date)
        rows = [p for p in body["people"] if p["person_id"] == pid]
        self.assertEqual(len(rows), 1, "%s listed %d times" % (pid, len(rows)))
        return rows[0]

    def dept_row(self, key, body=None, session=None, date=None):
        body = body or self.rtw(session, date)
        rows = [x for x in body["departments"] if x["id"] == self.dept[key]["id"]]
        self.assertEqual(len(rows), 1, "department %s listed %d times" % (key, len(rows)))
        return rows[0]

    def observations(self, session, pid):
        return [o for o in self.all_pages(session, "/api/v1/observations") if o["person_id"] == pid]

    def submit_plan(self, session, dept, cap, start=TODAY, status=201, **over):
        body = {"department_id": self.dept[dept]["id"] if isinstance(dept, str) else dept,
                "start_date": start, "cap_percent": cap}
        body.update(over)
        r = session.post("/api/v1/plans", body)
        self.assertStatus(r, status)
        return r.json()

    def decide(self, plan_id, approve, status=200, session=None):
        r = (session or self.s["office"]).post(
            "/api/v1/plans/%d/decision" % plan_id,
            {"approve": approve, "note": "同意" if approve else "暂缓"})
        self.assertStatus(r, status)
        return r.json()

    def observe(self, pid):
        """Put pid under medical observation as a close contact of a case."""
        off = self.s["official"]
        r = off.post("/api/v1/subjects", {"person_id": pid})
        self.assertStatus(r, 201)
        contact = r.json()["id"]
        k = next(self._n)
        r = off.post("/api/v1/subjects", {"name": "病例%03d" % k, "phone": "135%08d" % k,
                                          "region_code": "110108"})
        self.assertStatus(r, 201)
        source = r.json()["id"]
        r = off.post("/api/v1/cases", {"subject_id": source, "classification": "confirmed",
                                       "onset_date": day(-3), "report_date": TODAY,
                                       "region_code": "110108"})
        self.assertStatus(r, 201)
        r = off.post("/api/v1/exposures", {"subject_a": source, "subject_b": contact,
                                           "first_date": day(-3), "last_date": day(-1),
                                           "setting": "workplace", "protection": "none"})
        self.assertStatus(r, 201)
        self.assertTrue(r.json()["close_contact"], r)

    # ---- who sees what ----------------------------------------------------------

    def test_office_and_head_see_it_others_do_not(self):
        body = self.rtw()
        self.assertEqual(body["date"], TODAY)
        for x in body["departments"]:
            for k in DEPT_FIELDS:
                self.assertIn(k, x)
        for p in body["people"]:
            for k in PERSON_FIELDS:
                self.assertIn(k, p)
            self.assertLessEqual(set(p["reasons"]), REASONS, p)
            self.assertEqual(p["on_site"], not p["reasons"], p)
        r = self.s["office"].get("/api/v1/departments")
        all_ids = {x["id"] for x in r.json()["items"]}
        self.assertEqual({x["id"] for x in body["departments"]}, all_ids)
        self.assertEqual(len(body["people"]), len(self.all_people(self.s["office"])))
        # the head: their subtree only
        subtree = {x["id"] for x in r.json()["items"]
                   if x["path"].startswith(self.head_root["path"])}
        self.assertIn(self.dept["a"]["id"], subtree)
        self.assertNotIn(self.dept["e"]["id"], subtree)
        outsider = self.person("e")
        head = self.rtw(self.s["head"])
        self.assertEqual({x["id"] for x in head["departments"]}, subtree)
        self.assertTrue(head["people"])
        self.assertTrue(all(p["department_id"] in subtree for p in head["people"]))
        self.assertNotIn(outsider, [p["person_id"] for p in head["people"]])
        self.assertEqual({p["person_id"] for p in head["people"]},
                         {p["id"] for p in self.all_people(self.s["head"])})
        # naming who may not come in is a read of their records: audited
        r = self.s["admin"].get("/api/v1/audit?limit=500")
        self.assertStatus(r, 200)
        listed = {a["object_id"] for a in r.json()["items"]
                  if (a["username"], a["action"], a["object_type"]) == ("head", "list", "person")}
        self.assertIn(head["people"][0]["person_id"], listed)
        for who in ("staff", "analyst", "official", "admin"):
            self.assertError(self.s[who].get("/api/v1/return-to-work"), 403)
        self.assertError(self.req("GET", "/api/v1/return-to-work"), 401)
        self.assertError(self.s["office"].get("/api/v1/return-to-work?date=2020-02-30"), 400,
                         field="date")

    # ---- reasons ---------------------------------------------------------------

    def test_no_report_today(self):
        pid = self.person()
        self.report(pid, date=day(-1))
        row = self.row(pid)
        self.assertEqual((row["on_site"], row["reasons"]), (False, ["no_report_today"]))
        self.assertEqual((row["where"], row["kind"], row["department_id"]),
                         ("110108", "staff", self.dept["a"]["id"]))
        # the day before they had reported
        self.assertEqual(self.row(pid, date=day(-1))["reasons"], [])

    def test_a_normal_report_today_is_on_site(self):
        pid = self.person()
        self.report(pid)
        row = self.row(pid)
        self.assertEqual((row["on_site"], row["reasons"], row["where_level"]), (True, [], ""))

    def test_red_and_yellow_reports(self):
        red = self.person()
        b = self.report(red, temperature_c=38.2, symptoms=["fever"])
        self.assertEqual(b["status"], "red")
        row = self.row(red)
        self.assertFalse(row["on_site"])
        self.assertIn("status_red", row["reasons"])
        self.assertNotIn("status_yellow", row["reasons"])
        yellow = self.person()
        b = self.report(yellow, family_unwell=True)
        self.assertEqual(b["status"], "yellow")
        row = self.row(yellow)
        self.assertEqual((row["on_site"], row["reasons"]), (False, ["status_yellow"]))

    def test_student_awaits_the_school_notice_as_the_policy_says(self):
        r = self.s["staff"].get("/api/v1/policies")
        self.assertStatus(r, 200)
        in_force = max((p for p in r.json()["items"] if p["effective_from"] <= TODAY),
                       key=lambda p: p["effective_from"])
        pid = self.person(kind="student")
        b = self.report(pid)
        self.assertEqual(b["policy_version"], in_force["version"])
        awaits = "await_school_notice" in [a["code"] for a in b["actions"]]
        row = self.row(pid)
        self.assertEqual(row["reasons"], ["await_school_notice"] if awaits else [], in_force)
        self.assertEqual(row["on_site"], not awaits)
        # in March 2020 the policy kept students away until the notice
        b = self.report(pid, date=IN_2020)
        self.assertEqual(b["policy_version"], "2020-02-21-prevention-5th")
        self.assertIn("await_school_notice", [a["code"] for a in b["actions"]])
        row = self.row(pid, date=IN_2020)
        self.assertEqual((row["on_site"], row["reasons"]), (False, ["await_school_notice"]))
        # a staff member is not a student
        staff = self.person()
        self.report(staff, date=IN_2020)
        self.assertEqual(self.row(staff, date=IN_2020)["reasons"], [])

    def test_stay_in_place_in_hubei_in_2020(self):
        pid = self.person()
        b = self.report(pid, date=IN_2020, region_code="420106")
        self.assertIn("stay_in_place", [a["code"] for a in b["actions"]])
        row = self.row(pid, date=IN_2020)
        self.assertIn("stay_in_place", row["reasons"])
        self.assertEqual(row["where"], "420106")
        # today's policy has no stay-in-place region
        b = self.report(pid, region_code="420106")
        row = self.row(pid)
        self.assertEqual("stay_in_place" in row["reasons"],
                         "stay_in_place" in [a["code"] for a in b["actions"]])

    def test_under_observation(self):
        pid = self.person()
        self.observe(pid)
        b = self.report(pid)
        self.assertEqual(b["status"], "green")
        row = self.row(pid)
        self.assertEqual((row["on_site"], row["reasons"]), (False, ["under_observation"]))
        obs = self.observations(self.s["office"], pid)
        self.assertEqual([(o["reason"], o["status"]) for o in obs], [("close_contact", "open")])
        # before the observation started it did not keep them away
        self.report(pid, date=day(-20))
        row = self.row(pid, date=day(-20))
        self.assertEqual(row["reasons"], [], "observation %r" % obs)

    def test_where_the_person_is(self):
        high = self.person()
        self.report(high, region_code=TJ_HIGH)
        row = self.row(high)
        self.assertEqual((row["where"], row["where_level"]), (TJ_HIGH, "high"))
        self.assertIn("in_high_risk_area", row["reasons"])
        self.assertFalse(row["on_site"])
        med = self.person()
        self.report(med, region_code=TJ_MEDIUM)
        row = self.row(med)
        self.assertEqual((row["where"], row["where_level"]), (TJ_MEDIUM, "medium"))
        self.assertIn("in_medium_risk_area", row["reasons"])
        low = self.person()
        self.report(low, region_code=TJ_LOW)
        row = self.row(low)
        self.assertEqual((row["where"], row["where_level"], row["reasons"]), (TJ_LOW, "low", []))
        # without a report today, where they live
        home = self.person(region=TJ_HIGH)
        row = self.row(home)
        self.assertEqual((row["where"], row["where_level"]), (TJ_HIGH, "high"))
        self.assertEqual(set(row["reasons"]), {"no_report_today", "in_high_risk_area"})

    def test_arrival_from_a_risk_area_opens_an_observation(self):
        for region, level in ((TJ_HIGH, "high"), (TJ_MEDIUM, "medium")):
            pid = self.person()
            self.assertEqual(self.observations(self.s["office"], pid), [])
            b = self.report(pid, travel_regions=["110105", region])
            row = self.row(pid)
            self.assertFalse(row["on_site"])
            self.assertIn("came_from_risk_area", row["reasons"], level)
            self.assertIn("under_observation", row["reasons"], level)
            for who in ("office", "official"):
                obs = self.observations(self.s[who], pid)
                self.assertEqual(len(obs), 1, "%s sees %r" % (who, obs))
                o = obs[0]
                self.assertEqual((o["reason"], o["status"], o["start_date"], o["end_date"]),
                                 ("arrival", "open", TODAY, day(14)), o)
            # a second report the same day opens no second observation
            self.report(pid, travel_regions=[region], temperature_c=36.6)
            self.assertEqual(len(self.observations(self.s["office"], pid)), 1)
            self.assertEqual(b["status"], "green", b)
        # a low-risk region opens nothing
        pid = self.person()
        self.report(pid, travel_regions=[TJ_LOW])
        self.assertEqual(self.observations(self.s["office"], pid), [])
        self.assertEqual(self.row(pid)["reasons"], [])

    def test_a_county_without_cases_is_not_at_risk(self):
        # R4.1: the unit is the county; no confirmed case -> low, whatever
        # the other districts of its city
        pid = self.person()
        self.report(pid, region_code=TJ_NO_CASES)
        row = self.row(pid)
        self.assertIn(row["where_level"], ("", "low"), row)
        self.assertEqual(row["reasons"], [])
        pid = self.person()
        self.report(pid, travel_regions=[TJ_NO_CASES])
        self.assertEqual(self.row(pid)["reasons"], [])
        self.assertEqual(self.observations(self.s["office"], pid), [])

    def test_the_level_in_force_is_the_same_everywhere(self):
        # an override running today, set before the last computed change
        r = self.tianjin.post("/api/v1/risk/overrides", {
            "region_code": TJ_OVERRIDDEN, "level": "high", "reason": "封控区 sealed compound",
            "date": day(-12), "until": day(5)})
        self.assertStatus(r, 201)
        r = self.s["staff"].get("/api/v1/risk?prefix=%s&date=%s" % (TJ_OVERRIDDEN, TODAY))
        self.assertStatus(r, 200)
        listed = [x for x in r.json()["items"] if x["region_code"] == TJ_OVERRIDDEN]
        self.assertEqual(len(listed), 1, r)
        pid = self.person()
        self.report(pid, region_code=TJ_OVERRIDDEN)
        row = self.row(pid)
        self.assertEqual(row["where_level"], listed[0]["level"],
                         "GET /risk says %r, the return to work %r" % (listed[0], row))

    # ---- plans and readiness ------------------------------------------------------

    def test_plan_approved_sets_the_cap_and_readiness(self):
        people = [self.person("b") for _ in range(7)]
        for pid in people[:5]:
            self.report(pid)
        before = self.dept_row("b")
        self.assertEqual((before["people"], before["eligible"], before["cap_percent"],
                          before["allowed"], before["plan_start"], before["ready"]),
                         (7, 5, 0, 0, None, False))
        self.assertAlmostEqual(before["eligible_share"], 5 / 7, places=6)
        plan = self.submit_plan(self.s["head"], "b", 50, note="行政 1/2")
        self.assertEqual((plan["status"], plan["cap_percent"], plan["department_id"], plan["by"],
                          plan["start_date"], plan["department"]),
                         ("submitted", 50, self.dept["b"]["id"], "head", TODAY, "复工乙组"))
        self.assertEqual(self.dept_row("b")["cap_percent"], 0, "a plan counts once approved")
        ok = self.decide(plan["id"], True)
        self.assertEqual((ok["status"], ok["decided_by"]), ("approved", "office"))
        self.assertIsInstance(ok["decided_at"], int)
        # deciding again
        self.decide(plan["id"], True, status=409)
        self.decide(plan["id"], False, status=409)
        for session in (self.s["office"], self.s["head"]):
            row = self.dept_row("b", session=session)
            self.assertEqual((row["cap_percent"], row["allowed"], row["plan_start"], row["ready"]),
                             (50, min(5, 7 * 50 // 100), TODAY, True))
        # the eligible bound: 1 of 5 may come, the cap would allow 2
        c = [self.person("c") for _ in range(5)]
        self.report(c[0])
        plan = self.submit_plan(self.s["office"], "c", 50)
        self.decide(plan["id"], True)
        row = self.dept_row("c")
        self.assertEqual((row["people"], row["eligible"], row["cap_percent"], row["allowed"]),
                         (5, 1, 50, 1))

    def test_plan_in_force_from_its_start_and_rejections(self):
        dept = self.dept["a"]["id"]
        plan = self.submit_plan(self.s["head"], "a", 33, start=day(1))
        self.decide(plan["id"], True)
        self.assertEqual(self.dept_row("a")["cap_percent"], 0, "not yet in force")
        self.assertEqual(self.dept_row("a", date=day(1))["cap_percent"], 33)
        rej = self.submit_plan(self.s["head"], "a", 100, start=day(1))
        out = self.decide(rej["id"], False)
        self.assertEqual((out["status"], out["decision_note"]), ("rejected", "暂缓"))
        self.decide(rej["id"], True, status=409)
        self.assertEqual(self.dept_row("a", date=day(1))["cap_percent"], 33)
        listed = {p["id"]: p for p in self.s["head"].get("/api/v1/plans").json()["items"]}
        self.assertEqual((listed[plan["id"]]["status"], listed[rej["id"]]["status"]),
                         ("approved", "rejected"))
        self.assertTrue(all(p["department_id"] != self.dept["e"]["id"] for p in listed.values()))
        self.assertEqual(dept, listed[plan["id"]]["department_id"])

    def test_plan_refusals(self):
        head, office = self.s["head"], self.s["office"]
        for cap in (0, 101, -5):
            self.assertError(head.post("/api/v1/plans", {"department_id": self.dept["b"]["id"],
                                                        "start_date": TODAY, "cap_percent": cap}),
                             400, field="cap_percent")
        self.assertError(office.post("/api/v1/plans", {"department_id": self.dept["b"]["id"],
                                                      "start_date": TODAY, "cap_percent": "50"}),
                         400, field="cap_percent")
        self.assertError(office.post("/api/v1/plans", {"department_id": self.dept["b"]["id"],
                                                      "cap_percent": 50}), 400, field="start_date")
        self.assertError(office.post("/api/v1/plans", {"department_id": self.dept["b"]["id"],
                                                      "start_date": "2020-02-30",
                                                      "cap_percent": 50}),
                         400, field="start_date")
        self.assertError(office.post("/api/v1/plans", {"department_id": 99999,
                                                      "start_date": TODAY, "cap_percent": 50}),
                         400, field="department_id")
        # a head plans for their own subtree only
        self.assertError(head.post("/api/v1/plans", {"department_id": self.dept["e"]["id"],
                                                    "start_date": TODAY, "cap_percent": 50}), 403)
        for who in ("staff", "analyst", "official", "admin"):
            self.assertError(self.s[who].post("/api/v1/plans", {
                "department_id": self.dept["b"]["id"], "start_date": TODAY,
                "cap_percent": 50}), 403)
            self.assertError(self.s[who].get("/api/v1/plans"), 403)
        # only the office decides
        plan = self.submit_plan(office, "e", 50)
        for who in ("head", "staff", "official", "admin", "analyst"):
            self.assertError(self.s[who].post("/api/v1/plans/%d/decision" % plan["id"],
                                              {"approve": True}), 403)
        self.assertError(office.post("/api/v1/plans/999999/decision", {"approve": True}), 404)
        self.assertError(office.post("/api/v1/plans/%d/decision" % plan["id"], {}), 400,
                         field="approve")
        # the office sees every plan, the head not this one
        self.assertIn(plan["id"], [p["id"] for p in office.get("/api/v1/plans").json()["items"]])
        self.assertNotIn(plan["id"], [p["id"] for p in head.get("/api/v1/plans").json()["items"]])
        self.assertEqual(self.dept_row("e")["cap_percent"], 0)


if __name__ == "__main__":
    unittest.main()
