"""Daily health reports (issue 3): submitting (staff for themselves, the
office on anyone's behalf), the date window, idempotent retries, versions,
strict input, the assessment and health code a person is shown, and who
may read which report.

Each test works on people it creates (ids R-...), so the tests of this
module do not depend on each other's order; the demo staff login (P0001)
only ever submits normal reports.
"""

import itertools
import json
import re
import unittest

import fk

TODAY = fk.today_cst()
YESTERDAY = fk.add_days(TODAY, -1)

REPORT_FIELDS = ("id", "date", "person_id", "version", "status", "rule", "reason",
                 "back_to_green", "actions", "health_code", "policy_version", "flags")
STORED_FIELDS = ("id", "date", "person_id", "temperature_c", "symptoms", "symptoms_note",
                 "region_code", "location", "exposure", "family_unwell", "travel_regions",
                 "note", "request_id", "version", "current", "submitted_by", "on_behalf",
                 "created_at", "status", "rule", "actions", "health_code", "policy_version",
                 "observation_end", "place", "flags", "person_name", "department_id",
                 "department")
CODE_FIELDS = ("colour", "rule", "since", "green_from", "normal_streak", "streak_needed",
               "reason")
RED_ACTIONS = {"stay_home", "visit_fever_clinic", "report_office", "report_community"}
POLICIES = {"2020-01-24-institute": "2020-01-24",
            "2020-02-21-prevention-5th": "2020-02-21",
            "2020-04-08-wuhan-reopened": "2020-04-08",
            "2020-09-01-school-reopened": "2020-09-01",
            "2020-09-11-prevention-7th": "2020-09-11"}
CJK = re.compile("[\u4e00-\u9fff]")


def report(**over):
    """A valid report body: a normal day at home in Haidian; over adds
    or replaces fields (None removes one)."""
    b = {"temperature_c": 36.5, "region_code": "110108", "location": "home"}
    b.update(over)
    return {k: v for k, v in b.items() if v is not None}


class ReportsTest(fk.ServerTestCase):

    _ids = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.s["office"].get("/api/v1/departments")
        assert r.status == 200, r
        cls.departments = {d["name"]: d for d in r.json()["items"]}
        head_root = cls.departments[fk.HEAD_DEPARTMENT]
        # a department in the head's subtree (not the root) and one outside it
        cls.inside = next(d for d in cls.departments.values()
                          if d["path"].startswith(head_root["path"]) and d is not head_root)
        cls.outside = next(d for d in cls.departments.values()
                           if not d["path"].startswith(head_root["path"]))

    # ---- helpers ------------------------------------------------------------

    def person(self, kind="staff", department=None, region="110108", name=None):
        """A new person (created by the office) for this test alone."""
        pid = "R-%03d" % next(self._ids)
        dept = department or self.outside
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": name or ("测试" + pid), "kind": kind,
            "department_id": dept["id"], "region_code": region})
        self.assertStatus(r, 201)
        return pid

    def submit(self, session, body, status=201):
        r = session.post("/api/v1/reports", body)
        self.assertStatus(r, status)
        return r.json()

    def on_behalf(self, pid, date=TODAY, **over):
        """The office reports for pid; returns the 201 body."""
        return self.submit(self.s["office"], report(person_id=pid, date=date, **over))

    def get_report(self, rid, session=None):
        r = (session or self.s["office"]).get("/api/v1/reports/%d" % rid)
        self.assertStatus(r, 200)
        return r.json()

    def stored_for(self, pid, date=None):
        """Current reports of pid (as the office sees them)."""
        path = "/api/v1/reports?person_id=" + pid
        if date:
            path += "&date=" + date
        return self.all_pages(self.s["office"], path)

    def codes(self, body):
        return [a["code"] for a in body["actions"]]

    def assertBilingual(self, obj, what):
        self.assertIsInstance(obj, dict, what)
        self.assertIsInstance(obj.get("zh"), str, what)
        self.assertIsInstance(obj.get("en"), str, what)
        self.assertTrue(CJK.search(obj["zh"]), "%s: zh text has no Chinese: %r" % (what, obj))
        self.assertTrue(re.search("[A-Za-z]{3}", obj["en"]),
                        "%s: en text has no English: %r" % (what, obj))

    def assertActions(self, body, must=(), must_not=()):
        codes = self.codes(body)
        self.assertEqual(len(codes), len(set(codes)), "an action is given twice: %s" % codes)
        for c in must:
            self.assertIn(c, codes, "action %s missing from %s" % (c, codes))
        for c in must_not:
            self.assertNotIn(c, codes, "action %s should not be in %s" % (c, codes))
        for a in body["actions"]:
            self.assertBilingual(a["text"], "action %s" % a["code"])

    # ---- submitting -----------------------------------------------------------

    def test_staff_submits_own_report(self):
        b = self.submit(self.s["staff"], report(temperature_c=36.6, note="一切正常"))
        for k in REPORT_FIELDS:
            self.assertIn(k, b)
        self.assertIsInstance(b["id"], int)
        self.assertEqual(b["date"], TODAY, "the default date is today in CST")
        self.assertEqual(b["person_id"], fk.STAFF_PERSON)
        self.assertGreaterEqual(b["version"], 1)
        self.assertEqual(b["status"], "green")
        self.assertEqual(b["rule"], "all_normal")
        self.assertBilingual(b["reason"], "reason")
        in_force = max((p for p in self.s["staff"].get("/api/v1/policies").json()["items"]
                        if p["effective_from"] <= TODAY), key=lambda p: p["effective_from"])
        self.assertEqual(b["policy_version"], in_force["version"])
        self.assertIsInstance(b["flags"], list)
        self.assertNotIn("recheck_temperature", self.codes(b))
        self.assertNotIn("stay_home", self.codes(b))
        for k in CODE_FIELDS:
            self.assertIn(k, b["health_code"])
        self.assertEqual(b["health_code"]["colour"], "green")
        self.assertFalse(b.get("replayed", False))

        g = self.get_report(b["id"], self.s["staff"])
        for k in STORED_FIELDS:
            self.assertIn(k, g)
        self.assertEqual((g["id"], g["date"], g["person_id"], g["temperature_c"], g["symptoms"],
                          g["region_code"], g["location"], g["exposure"], g["family_unwell"],
                          g["travel_regions"], g["note"]),
                         (b["id"], TODAY, fk.STAFF_PERSON, 36.6, [], "110108", "home", "none",
                          False, [], "一切正常"))
        self.assertTrue(g["current"])
        self.assertFalse(g["on_behalf"])
        self.assertEqual(g["status"], "green")
        self.assertEqual(g["place"], "city")
        self.assertEqual(g["department"], self.departments_by_id()[g["department_id"]]["name"])
        self.assertTrue(g["person_name"])

    def departments_by_id(self):
        return {d["id"]: d for d in self.departments.values()}

    def test_staff_may_report_yesterday(self):
        b = self.submit(self.s["staff"], report(date=YESTERDAY))
        self.assertEqual(b["date"], YESTERDAY)
        self.assertEqual(b["person_id"], fk.STAFF_PERSON)

    def test_staff_date_window(self):
        for date in (fk.add_days(TODAY, -2), fk.add_days(TODAY, -30), fk.add_days(TODAY, 1),
                     "2020-02-30", "2020-2-3", "today", ""):
            with self.subTest(date=date):
                r = self.s["staff"].post("/api/v1/reports", report(date=date))
                self.assertError(r, 400, "invalid", "date")
        mine = self.all_pages(self.s["staff"], "/api/v1/reports?person_id=" + fk.STAFF_PERSON)
        self.assertFalse([x for x in mine if x["date"] not in (TODAY, YESTERDAY)],
                         "a refused date was stored")

    def test_staff_cannot_report_for_another_person(self):
        other = self.person()
        r = self.s["staff"].post("/api/v1/reports", report(person_id=other))
        self.assertIn(r.status, (400, 403), r)
        if r.status == 400:
            self.assertError(r, 400, "invalid", "person_id")
        else:
            self.assertError(r, 403, "forbidden")
        self.assertEqual(self.stored_for(other), [])
        # naming oneself is fine
        b = self.submit(self.s["staff"], report(person_id=fk.STAFF_PERSON))
        self.assertEqual(b["person_id"], fk.STAFF_PERSON)

    def test_office_reports_on_behalf_any_past_day(self):
        pid = self.person()
        for date in (TODAY, YESTERDAY, fk.add_days(TODAY, -10), "2020-02-10", "2020-01-24"):
            with self.subTest(date=date):
                b = self.on_behalf(pid, date)
                self.assertEqual((b["person_id"], b["date"], b["version"]), (pid, date, 1))
                g = self.get_report(b["id"])
                self.assertTrue(g["on_behalf"])
                self.assertTrue(g["current"])
        self.assertEqual(len(self.stored_for(pid)), 5)

    def test_office_date_and_person_refused(self):
        pid = self.person()
        cases = [
            (report(person_id=pid, date=fk.add_days(TODAY, 1)), "date"),
            # before the first policy: nothing to assess by
            (report(person_id=pid, date="2020-01-23"), "date"),
            (report(person_id="NO-SUCH-PERSON", date=TODAY), "person_id"),
            (report(person_id="bad id!", date=TODAY), "person_id"),
            # the office has no person of its own
            (report(date=TODAY), "person_id"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                r = self.s["office"].post("/api/v1/reports", body)
                self.assertError(r, 400, "invalid", field)
        self.assertEqual(self.stored_for(pid), [])

    def test_policy_in_force_by_report_date(self):
        # a student in Wuchang (Hubei)
        pid = self.person(kind="student", region="420106")
        expect = [
            ("2020-02-20", "2020-01-24-institute", {"stay_in_place", "await_school_notice"}),
            ("2020-02-21", "2020-02-21-prevention-5th", {"stay_in_place", "await_school_notice"}),
            ("2020-04-07", "2020-02-21-prevention-5th", {"stay_in_place", "await_school_notice"}),
            ("2020-04-08", "2020-04-08-wuhan-reopened", {"await_school_notice"}),
            ("2020-08-31", "2020-04-08-wuhan-reopened", {"await_school_notice"}),
            ("2020-09-01", "2020-09-01-school-reopened", set()),
            ("2020-09-11", "2020-09-11-prevention-7th", set()),
        ]
        for date, version, acts in expect:
            with self.subTest(date=date):
                b = self.on_behalf(pid, date, region_code="420106")
                self.assertEqual(b["policy_version"], version)
                self.assertEqual(b["status"], "green")
                got = set(self.codes(b)) & {"stay_in_place", "await_school_notice"}
                self.assertEqual(got, acts)
                self.assertEqual(self.get_report(b["id"])["policy_version"], version)

    def test_travel_to_hubei_by_policy(self):
        pid = self.person()
        b = self.on_behalf(pid, "2020-02-20", travel_regions=["110105", "420106"])
        self.assertEqual((b["status"], b["rule"]), ("yellow", "risk_travel"))
        obs = [a for a in b["actions"] if a["code"] == "medical_observation"]
        self.assertEqual(len(obs), 1, b["actions"])
        self.assertEqual(obs[0].get("until"), "2020-03-05")
        b = self.on_behalf(pid, "2020-10-20", travel_regions=["420106"])
        self.assertEqual((b["status"], b["rule"]), ("green", "all_normal"))

    # ---- idempotent retries and versions ------------------------------------

    def test_request_id_replay_stores_nothing_new(self):
        pid = self.person()
        body = report(person_id=pid, date=YESTERDAY, request_id="retry-1.A_b", temperature_c=36.7)
        first = self.submit(self.s["office"], body)
        self.assertEqual(first["version"], 1)
        self.assertFalse(first.get("replayed", False))
        r = self.s["office"].post("/api/v1/reports", body)
        self.assertStatus(r, 200)
        again = r.json()
        self.assertIs(again.get("replayed"), True)
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(again["version"], 1)
        self.assertEqual(again["status"], first["status"])
        self.assertEqual(again["actions"], first["actions"])
        stored = self.stored_for(pid)
        self.assertEqual([(x["id"], x["version"]) for x in stored], [(first["id"], 1)])
        r = self.s["office"].get("/api/v1/reports/%d/versions" % first["id"])
        if r.status != 404:       # the versions route is optional
            self.assertStatus(r, 200)
            self.assertEqual(len(r.json()["items"]), 1)
        r = self.s["office"].get("/api/v1/people/%s/history?days=30" % pid)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["items"]), 1)

    def test_staff_request_id_replay(self):
        body = report(request_id="staff-retry-%d" % next(self._ids))
        first = self.submit(self.s["staff"], body)
        r = self.s["staff"].post("/api/v1/reports", body)
        self.assertStatus(r, 200)
        self.assertIs(r.json().get("replayed"), True)
        self.assertEqual(r.json()["id"], first["id"])
        self.assertEqual(r.json()["version"], first["version"])
        # a new request id is a new submission (a new version of today)
        b = self.submit(self.s["staff"], report(request_id="staff-retry-%d" % next(self._ids)))
        self.assertEqual(b["version"], first["version"] + 1)

    def test_resubmission_keeps_earlier_versions(self):
        pid = self.person()
        v1 = self.on_behalf(pid, YESTERDAY, temperature_c=36.5, note="早上")
        v2 = self.on_behalf(pid, YESTERDAY, temperature_c=36.7, note="下午")
        self.assertEqual((v1["version"], v2["version"]), (1, 2))
        self.assertNotEqual(v1["id"], v2["id"])
        old = self.get_report(v1["id"])
        self.assertEqual((old["version"], old["current"], old["temperature_c"], old["note"]),
                         (1, False, 36.5, "早上"))
        new = self.get_report(v2["id"])
        self.assertEqual((new["version"], new["current"], new["temperature_c"], new["note"]),
                         (2, True, 36.7, "下午"))
        # lists show the day once, as its current version
        self.assertEqual([x["id"] for x in self.stored_for(pid, YESTERDAY)], [v2["id"]])
        r = self.s["office"].get("/api/v1/reports/%d/versions" % v2["id"])
        if r.status != 404:
            self.assertStatus(r, 200)
            self.assertEqual([x["version"] for x in r.json()["items"]], [1, 2])
        v3 = self.on_behalf(pid, YESTERDAY, temperature_c=36.4)
        self.assertEqual(v3["version"], 3)
        self.assertFalse(self.get_report(v2["id"])["current"])

    # ---- bad input --------------------------------------------------------------

    def test_bad_inputs_are_400_naming_the_field_and_store_nothing(self):
        pid = self.person()
        base = report(person_id=pid, date=YESTERDAY)

        def with_(**over):
            b = dict(base)
            b.update(over)
            return {k: v for k, v in b.items() if v is not None}

        cases = [
            (with_(temperature_c=33.9), "temperature_c"),
            (with_(temperature_c=43.1), "temperature_c"),
            (with_(temperature_c="36.5"), "temperature_c"),
            (with_(temperature_c=None), "temperature_c"),
            (with_(temperature_c=True), "temperature_c"),
            (with_(temperature_c=[36.5]), "temperature_c"),
            (with_(symptoms=["fever", "sneezing"]), "symptoms"),
            (with_(symptoms="fever"), "symptoms"),
            (with_(symptoms=[1]), "symptoms"),
            (with_(symptoms_note="头痛"), "symptoms_note"),
            (with_(symptoms=["other"], symptoms_note="痛" * 201), "symptoms_note"),
            (with_(symptoms=["other"], symptoms_note="a\x1bb"), "symptoms_note"),
            (with_(region_code="119999"), "region_code"),
            (with_(region_code="abc"), "region_code"),
            (with_(region_code=110108), "region_code"),
            (with_(region_code=None), "region_code"),
            (with_(location="office"), "location"),
            (with_(location=None), "location"),
            (with_(exposure="bats"), "exposure"),
            (with_(exposure=None) | {"exposure": ""}, "exposure"),
            (with_(family_unwell="yes"), "family_unwell"),
            (with_(travel_regions=["110108"] * 10 + ["110105"] * 11), "travel_regions"),
            (with_(travel_regions=["12ab56"]), "travel_regions"),
            (with_(travel_regions=["119999"]), "travel_regions"),
            (with_(travel_regions="420106"), "travel_regions"),
            (with_(note="记" * 201), "note"),
            (with_(request_id="has spaces"), "request_id"),
            (with_(request_id="x" * 65), "request_id"),
            (with_(request_id="重试"), "request_id"),
            (with_(mood="good"), "mood"),
            (with_(date="2020-13-01"), "date"),
            (with_(date=20200201), "date"),
            (with_(person_id=123), "person_id"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=json.dumps(body, ensure_ascii=False)[:120]):
                r = self.s["office"].post("/api/v1/reports", body)
                self.assertError(r, 400, "invalid", field)
        raw = ('{"person_id":"%s","date":"%s","temperature_c":36.5,"temperature_c":39.5,'
               '"region_code":"110108","location":"home"}' % (pid, YESTERDAY))
        r = self.s["office"].post("/api/v1/reports", raw=raw, content_type="application/json")
        self.assertError(r, 400, "invalid", "temperature_c")
        r = self.s["office"].post("/api/v1/reports", raw='{"temperature_c": 36.5,',
                                  content_type="application/json")
        self.assertError(r, 400, "invalid")
        r = self.s["office"].post("/api/v1/reports", raw=json.dumps(base),
                                  content_type="text/plain")
        self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual(self.stored_for(pid), [], "a refused report was stored")

    def test_limits_are_inclusive(self):
        pid = self.person()
        for i, (date, over) in enumerate([
                (fk.add_days(TODAY, -3), {"temperature_c": 34.0}),
                (fk.add_days(TODAY, -4), {"temperature_c": 43.0}),
                (fk.add_days(TODAY, -5), {"temperature_c": 37}),
                (fk.add_days(TODAY, -6), {"symptoms": ["other"], "symptoms_note": "痛" * 200,
                                          "note": "记" * 200}),
                (fk.add_days(TODAY, -7), {"travel_regions": ["110108"] * 20}),
                (fk.add_days(TODAY, -8), {"request_id": "x" * 64}),
                (fk.add_days(TODAY, -9), {"exposure": "none", "family_unwell": False,
                                          "symptoms": []})]):
            with self.subTest(over=str(over)[:60]):
                self.on_behalf(pid, date, **over)
        self.assertEqual(len(self.stored_for(pid)), 7)

    # ---- the assessment a person is shown -------------------------------------

    def test_fever_is_red_with_the_four_actions(self):
        pid = self.person()
        b = self.on_behalf(pid, TODAY, temperature_c=38.2, symptoms=["fever", "cough"])
        self.assertEqual((b["status"], b["rule"]), ("red", "red_symptom"))
        self.assertActions(b, must=RED_ACTIONS)
        self.assertBilingual(b["reason"], "reason")
        self.assertBilingual(b["back_to_green"], "back_to_green")
        hc = b["health_code"]
        self.assertEqual((hc["colour"], hc["rule"], hc["since"], hc["green_from"]),
                         ("red", "red_streak", TODAY, fk.add_days(TODAY, 14)))
        self.assertEqual(hc["streak_needed"], 14)
        self.assertBilingual(hc["reason"], "health_code.reason")
        g = self.get_report(b["id"])
        self.assertEqual(g["status"], "red")
        self.assertEqual(set(a["code"] for a in g["actions"]) & RED_ACTIONS, RED_ACTIONS)
        self.assertEqual(g["symptoms"], ["fever", "cough"])

    def test_cough_alone_is_red(self):
        b = self.on_behalf(self.person(), TODAY, temperature_c=36.4, symptoms=["cough"])
        self.assertEqual(b["status"], "red")
        self.assertActions(b, must=RED_ACTIONS)

    def test_37_2_is_green_and_37_3_needs_a_recheck(self):
        b = self.on_behalf(self.person(), TODAY, temperature_c=37.2)
        self.assertEqual((b["status"], b["rule"]), ("green", "all_normal"))
        self.assertActions(b, must_not=["recheck_temperature", "stay_home"])

        pid = self.person()
        b = self.on_behalf(pid, TODAY, temperature_c=37.3)
        self.assertEqual((b["status"], b["rule"]), ("yellow", "fever_recheck"))
        self.assertActions(b, must=["recheck_temperature"], must_not=["visit_fever_clinic"])
        self.assertBilingual(b["back_to_green"], "back_to_green")
        # the re-measured temperature is still at or above 37.3: fever
        b2 = self.on_behalf(pid, TODAY, temperature_c=37.4)
        self.assertEqual((b2["status"], b2["rule"], b2["version"]),
                         ("red", "fever_persisting", 2))
        self.assertActions(b2, must=RED_ACTIONS)
        self.assertEqual(b2["health_code"]["colour"], "red")

    def test_second_high_reading_of_the_day_is_red_even_after_a_normal_one(self):
        # RULES R1.9 / SPEC3 fever_persisting: "an earlier report the same
        # day was also >= 37.3" -- any earlier one, not only the last.
        pid = self.person()
        self.assertEqual(self.on_behalf(pid, TODAY, temperature_c=37.5)["status"], "yellow")
        self.assertEqual(self.on_behalf(pid, TODAY, temperature_c=36.6)["status"], "green")
        b = self.on_behalf(pid, TODAY, temperature_c=37.6)
        self.assertEqual((b["status"], b["rule"]), ("red", "fever_persisting"))
        self.assertActions(b, must=RED_ACTIONS)

    def test_37_3_after_a_normal_reading_is_a_first_reading(self):
        pid = self.person()
        self.assertEqual(self.on_behalf(pid, TODAY, temperature_c=36.8)["status"], "green")
        b = self.on_behalf(pid, TODAY, temperature_c=37.3)
        self.assertEqual((b["status"], b["rule"]), ("yellow", "fever_recheck"))

    def test_recheck_below_37_3_is_green_again(self):
        pid = self.person()
        self.assertEqual(self.on_behalf(pid, TODAY, temperature_c=37.5)["status"], "yellow")
        b = self.on_behalf(pid, TODAY, temperature_c=36.9)
        self.assertEqual((b["status"], b["rule"]), ("green", "all_normal"))

    def test_contact_opens_a_medical_observation(self):
        pid = self.person()
        b = self.on_behalf(pid, TODAY, exposure="confirmed_contact")
        self.assertEqual((b["status"], b["rule"]), ("yellow", "contact"))
        self.assertActions(b, must=["medical_observation", "stay_home", "report_office",
                                    "report_community"])
        obs = next(a for a in b["actions"] if a["code"] == "medical_observation")
        self.assertEqual(obs.get("until"), fk.add_days(TODAY, 14))
        self.assertEqual(self.get_report(b["id"])["observation_end"], fk.add_days(TODAY, 14))
        hc = b["health_code"]
        self.assertEqual(hc["colour"], "yellow")
        self.assertEqual(hc["green_from"], fk.add_days(TODAY, 14))

    def test_fever_and_contact_is_red_with_observation(self):
        b = self.on_behalf(self.person(), TODAY, temperature_c=38.0, symptoms=["fever"],
                           exposure="suspected_contact")
        self.assertEqual((b["status"], b["rule"]), ("red", "red_symptom"))
        self.assertActions(b, must=RED_ACTIONS | {"medical_observation"})

    def test_family_unwell_is_yellow(self):
        b = self.on_behalf(self.person(), TODAY, family_unwell=True)
        self.assertEqual((b["status"], b["rule"]), ("yellow", "family_unwell"))
        self.assertActions(b, must=["watch_family"])

    def test_place_of_a_report(self):
        pid = self.person()
        for date, region, place in ((fk.add_days(TODAY, -3), "420102", "hubei"),
                                    (fk.add_days(TODAY, -4), "110108", "city"),
                                    (fk.add_days(TODAY, -5), "130102", "outside")):
            with self.subTest(region=region):
                b = self.on_behalf(pid, date, region_code=region)
                self.assertEqual(self.get_report(b["id"])["place"], place)

    # ---- health code ------------------------------------------------------------

    def test_health_code_reflects_history(self):
        pid = self.person()
        red = self.on_behalf(pid, YESTERDAY, temperature_c=38.5, symptoms=["fever"])
        self.assertEqual(red["status"], "red")
        b = self.on_behalf(pid, TODAY, temperature_c=36.5)
        self.assertEqual(b["status"], "green", "today's report itself is normal")
        hc = b["health_code"]
        self.assertEqual((hc["colour"], hc["rule"], hc["since"], hc["green_from"],
                          hc["normal_streak"], hc["streak_needed"]),
                         ("red", "red_streak", YESTERDAY, fk.add_days(YESTERDAY, 14), 1, 14))
        r = self.s["office"].get("/api/v1/people/%s/code" % pid)
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["colour"], r.json()["green_from"]),
                         ("red", fk.add_days(YESTERDAY, 14)))
        r = self.s["office"].get("/api/v1/people/%s/history?days=30" % pid)
        self.assertStatus(r, 200)
        h = r.json()
        self.assertEqual([(x["date"], x["status"]) for x in h["items"]],
                         [(YESTERDAY, "red"), (TODAY, "green")])
        self.assertEqual(h["health_code"]["colour"], "red")

    def test_a_yellow_day_does_not_shorten_a_red_code(self):
        # RULES R6.6: an abnormal check-in resets the streak; it does not
        # lower the colour.  Reporting fatigue the day after a cough must
        # not make the code yellow, nor green sooner than 14 normal days.
        pid = self.person()
        self.assertEqual(self.on_behalf(pid, YESTERDAY, symptoms=["cough"])["status"], "red")
        b = self.on_behalf(pid, TODAY, symptoms=["fatigue"])
        self.assertEqual(b["status"], "yellow")
        hc = b["health_code"]
        self.assertEqual((hc["colour"], hc["rule"], hc["green_from"]),
                         ("red", "red_streak", fk.add_days(TODAY, 14)))

    def test_no_report_is_a_green_code(self):
        pid = self.person()
        r = self.s["office"].get("/api/v1/people/%s/code" % pid)
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["colour"], r.json()["rule"]), ("green", "no_abnormal_report"))
        r = self.s["office"].get("/api/v1/people/%s/history?days=30" % pid)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["items"], [])

    def test_staff_reads_own_code(self):
        r = self.s["staff"].get("/api/v1/codes/me")
        self.assertStatus(r, 200)
        for k in CODE_FIELDS:
            self.assertIn(k, r.json())
        self.assertIn(r.json()["colour"], ("green", "yellow", "red"))
        r = self.s["staff"].get("/api/v1/people/%s/code" % fk.STAFF_PERSON)
        self.assertStatus(r, 200)
        self.assertError(self.s["staff"].get("/api/v1/people/%s/code" % self.person()), 404)

    # ---- who may read what ------------------------------------------------------

    def test_staff_reads_own_reports_only(self):
        mine = self.submit(self.s["staff"], report())
        self.assertEqual(self.get_report(mine["id"], self.s["staff"])["person_id"],
                         fk.STAFF_PERSON)
        theirs = self.on_behalf(self.person(), TODAY)
        self.assertError(self.s["staff"].get("/api/v1/reports/%d" % theirs["id"]), 404,
                         "not_found")
        listed = self.all_pages(self.s["staff"], "/api/v1/reports")
        self.assertTrue(listed)
        self.assertEqual({x["person_id"] for x in listed}, {fk.STAFF_PERSON})
        r = self.s["staff"].get("/api/v1/reports?person_id=" + theirs["person_id"])
        if r.status == 200:
            self.assertEqual(r.json()["items"], [])
        else:
            self.assertIn(r.status, (403, 404), r)
        self.assertError(self.s["staff"].get("/api/v1/people/%s/history" % theirs["person_id"]),
                         404)

    def test_dept_head_reads_subtree_only(self):
        head = self.s["head"]
        inside = self.on_behalf(self.person(department=self.inside), TODAY)
        outside = self.on_behalf(self.person(department=self.outside), TODAY)
        self.assertEqual(self.get_report(inside["id"], head)["person_id"], inside["person_id"])
        self.assertError(head.get("/api/v1/reports/%d" % outside["id"]), 404, "not_found")
        listed = {x["id"] for x in self.all_pages(head, "/api/v1/reports?date=" + TODAY)}
        self.assertIn(inside["id"], listed)
        self.assertNotIn(outside["id"], listed)
        self.assertError(head.get("/api/v1/people/%s/code" % outside["person_id"]), 404)
        # a department head does not report for people
        r = head.post("/api/v1/reports", report(person_id=inside["person_id"]))
        self.assertIn(r.status, (400, 403), r)
        self.assertEqual(len(self.stored_for(inside["person_id"])), 1)

    def test_office_reads_all(self):
        staff_own = self.submit(self.s["staff"], report())
        other = self.on_behalf(self.person(department=self.inside), TODAY)
        for rid in (staff_own["id"], other["id"]):
            self.assertEqual(self.get_report(rid)["id"], rid)
        listed = {x["id"] for x in self.all_pages(self.s["office"],
                                                   "/api/v1/reports?date=" + TODAY)}
        self.assertIn(staff_own["id"], listed)
        self.assertIn(other["id"], listed)

    def test_other_roles_are_refused(self):
        rid = self.on_behalf(self.person(), TODAY)["id"]
        for name in ("analyst", "admin", "official"):
            s = self.s[name]
            with self.subTest(role=name):
                self.assertError(s.get("/api/v1/reports"), 403, "forbidden")
                self.assertError(s.get("/api/v1/reports/%d" % rid), 403, "forbidden")
                self.assertError(s.post("/api/v1/reports", report(person_id="P0002")), 403,
                                 "forbidden")
        for path in ("/api/v1/reports", "/api/v1/reports/%d" % rid, "/api/v1/codes/me"):
            self.assertError(self.req("GET", path), 401, "unauthenticated")
        self.assertError(self.req("POST", "/api/v1/reports", report()), 401)

    def test_cookie_post_needs_csrf(self):
        r = self.s["staff"].post("/api/v1/reports", report(), cookie=True, csrf=False)
        self.assertError(r, 403, "csrf")
        r = self.s["staff"].post("/api/v1/reports", report(), cookie=True)
        self.assertStatus(r, 201)

    def test_reading_anothers_report_is_audited(self):
        b = self.on_behalf(self.person(department=self.inside), TODAY)
        self.get_report(b["id"], self.s["head"])
        items = self.s["admin"].get("/api/v1/audit?limit=200").json()["items"]
        hits = [e for e in items if e["action"] == "read" and e["object_type"] == "report"
                and e["username"] == "head"
                and e["object_id"] in (str(b["id"]), b["person_id"])]
        self.assertTrue(hits, "the head reading report %d left no audit entry" % b["id"])
        self.assertTrue(hits[0]["address"])

    def test_reading_anothers_history_and_code_is_audited(self):
        b = self.on_behalf(self.person(department=self.inside), TODAY, symptoms=["cough"])
        pid = b["person_id"]
        self.assertStatus(self.s["head"].get("/api/v1/people/%s/history?days=7" % pid), 200)
        self.assertStatus(self.s["head"].get("/api/v1/people/%s/code" % pid), 200)
        items = self.s["admin"].get("/api/v1/audit?limit=50").json()["items"]
        mine = [e for e in items if e["username"] == "head"
                and (e["object_id"] == pid or pid in e["detail"])]
        # one entry for the history, one for the code (a red code is
        # health data about a named person, DESIGN.md 7)
        self.assertGreaterEqual(len(mine), 2, "head read %s's history and code; audit: %r"
                                % (pid, [(e["action"], e["object_type"], e["object_id"])
                                         for e in mine]))

    # ---- listing ----------------------------------------------------------------

    def test_list_filters_and_pages(self):
        date = fk.add_days(TODAY, -12)
        red = self.on_behalf(self.person(department=self.inside), date, symptoms=["cough"])
        green = self.on_behalf(self.person(department=self.inside), date)
        yellow = self.on_behalf(self.person(department=self.outside), date, symptoms=["fatigue"])
        s = self.s["office"]
        got = self.all_pages(s, "/api/v1/reports?date=%s&status=red" % date)
        self.assertEqual([x["id"] for x in got], [red["id"]])
        got = self.all_pages(s, "/api/v1/reports?date=%s&department=%d" % (date, self.inside["id"]))
        self.assertEqual(sorted(x["id"] for x in got), sorted([red["id"], green["id"]]))
        got = self.all_pages(s, "/api/v1/reports?date=" + date, limit=1)
        self.assertEqual(sorted(x["id"] for x in got),
                         sorted([red["id"], green["id"], yellow["id"]]))
        got = self.all_pages(s, "/api/v1/reports?from=%s&to=%s&person_id=%s"
                             % (fk.add_days(date, -1), date, yellow["person_id"]))
        self.assertEqual([x["status"] for x in got], ["yellow"])
        for q, field in (("status=purple", "status"), ("date=2020-02-30", "date"),
                         ("limit=0", "limit"), ("limit=abc", "limit"),
                         ("department=abc", "department")):
            with self.subTest(q=q):
                self.assertError(s.get("/api/v1/reports?" + q), 400, "invalid", field)

    def test_unknown_report_is_404(self):
        self.assertError(self.s["office"].get("/api/v1/reports/987654321"), 404, "not_found")
        r = self.s["office"].get("/api/v1/reports/abc")
        self.assertIn(r.status, (400, 404), r)

    def test_policies_are_listed_for_everyone(self):
        for name in fk.DEMO:
            with self.subTest(role=name):
                r = self.s[name].get("/api/v1/policies")
                self.assertStatus(r, 200)
                items = r.json()["items"]
                self.assertEqual({p["version"]: p["effective_from"] for p in items}, POLICIES)
                for p in items:
                    self.assertTrue(p["title_zh"] and p["title_en"] and p["source"], p)


if __name__ == "__main__":
    unittest.main()
