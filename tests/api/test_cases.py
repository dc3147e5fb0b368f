"""Case management (issue 4): the people in it (subjects) with the
duplicate check and merging, cases and their classification as a state
machine, dates, severity, lab tests, placements, the 2-hour report and
24-hour investigation deadlines, exposures and close contacts over two
hops, transmission chains with their indicators and serial intervals, and
who may see which case (RULES.md §1-§3, §5.2).

Each test registers the people and cases it needs (names and phone
numbers from a counter), so the tests do not depend on each other's
order. Beijing cases (region 110108) belong to the demo official
(prefix "11"); a Hubei official (prefix "42") and a Shanghai official
(prefix "31", whose region holds only the chain test's cases, so its
indicators are exact) are created through the admin API.
"""

import csv
import io
import itertools
import time
import unittest

import fk

TODAY = fk.today_cst()


def day(n):
    """TODAY + n days."""
    return fk.add_days(TODAY, n)


CASE_FIELDS = ("id", "subject_id", "name", "classification", "class_date", "severity",
               "severity_date", "onset_date", "sampling_date", "report_date",
               "diagnosis_date", "isolation_date", "detected_at", "reported_at",
               "investigated_at", "facility", "imported", "region_code", "created_by",
               "created_at", "report_due_at", "report_overdue", "investigation_due_at",
               "investigation_overdue")
SUBJECT_FIELDS = ("id", "person_id", "name", "phone", "region_code", "has_id_number",
                  "merged_into", "created_at")


class CasesTest(fk.ServerTestCase):

    _n = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.s["office"].get("/api/v1/departments")
        assert r.status == 200, r
        cls.department = r.json()["items"][-1]
        cls.hubei = cls.add_official("hubei_official", "42")
        cls.shanghai = cls.add_official("shanghai_official", "31")

    @classmethod
    def add_official(cls, username, region):
        password = username + "-pass-2020"
        r = cls.s["admin"].post("/api/v1/users", {"username": username, "password": password,
                                                  "role": "official", "region": region})
        assert r.status == 201, r
        return cls.server.login(username, password)

    # ---- helpers ------------------------------------------------------------

    def n(self):
        return next(self._n)

    def external(self, session=None, status=201, force=False, **over):
        """Register an external person (unique name and phone unless over
        says otherwise); returns the answer's body."""
        k = self.n()
        body = {"name": "外部%03d" % k, "phone": "139%08d" % k, "region_code": "110108"}
        body.update(over)
        body = {key: v for key, v in body.items() if v is not None}
        r = (session or self.s["official"]).post(
            "/api/v1/subjects" + ("?force=1" if force else ""), body)
        self.assertStatus(r, status)
        return r.json()

    def registry_person(self, region="110108"):
        """A person of the organisation's registry, created by the office;
        returns its id."""
        pid = "C-%03d" % self.n()
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": "职工" + pid, "kind": "staff",
            "department_id": self.department["id"], "region_code": region,
            "phone": "138%08d" % self.n()})
        self.assertStatus(r, 201)
        return pid

    def registry_subject(self, session=None, region="110108"):
        pid = self.registry_person(region)
        r = (session or self.s["official"]).post("/api/v1/subjects", {"person_id": pid})
        self.assertStatus(r, 201)
        return r.json()

    def case_body(self, subject, classification="confirmed", **over):
        body = {"subject_id": subject, "classification": classification,
                "onset_date": day(-2), "report_date": TODAY, "region_code": "110108"}
        body.update(over)
        return {k: v for k, v in body.items() if v is not None}

    def case(self, subject_id, classification="confirmed", session=None, **over):
        r = (session or self.s["official"]).post(
            "/api/v1/cases", self.case_body(subject_id, classification, **over))
        self.assertStatus(r, 201)
        return r.json()

    def get_case(self, case_id, session=None):
        r = (session or self.s["official"]).get("/api/v1/cases/%d" % case_id)
        self.assertStatus(r, 200)
        return r.json()

    def move(self, case_id, to, status=200, **over):
        body = {"to": to}
        body.update(over)
        r = self.s["official"].post("/api/v1/cases/%d/transitions" % case_id, body)
        self.assertStatus(r, status)
        return r

    def expose(self, a, b, first, last, setting="household", protection="none", status=201,
               session=None, **over):
        body = {"subject_a": a, "subject_b": b, "first_date": first, "last_date": last,
                "setting": setting, "protection": protection}
        body.update(over)
        r = (session or self.s["official"]).post("/api/v1/exposures", body)
        self.assertStatus(r, status)
        return r.json()

    def case_ids(self, session, query=""):
        return [c["id"] for c in self.all_pages(session, "/api/v1/cases" + query)]

    def audit_items(self, limit=500):
        r = self.s["admin"].get("/api/v1/audit?limit=%d" % limit)
        self.assertStatus(r, 200)
        return r.json()["items"]

    # ---- subjects -------------------------------------------------------------

    def test_official_registers_external_and_registry_people(self):
        idn = fk.resident_id(self.n())
        s = self.external(id_number=idn)
        for k in SUBJECT_FIELDS:
            self.assertIn(k, s)
        self.assertIsNone(s["person_id"])
        self.assertTrue(s["has_id_number"])
        self.assertIsNone(s["merged_into"])
        self.assertFalse(s["existing"])
        # the ID number is kept only as a keyed hash: never shown back
        self.assertNotIn(idn, str(s))
        self.assertNotIn(idn[:17], str(s))
        g = self.s["official"].get("/api/v1/subjects/%d" % s["id"])
        self.assertStatus(g, 200)
        self.assertEqual((g.json()["name"], g.json()["phone"], g.json()["region_code"]),
                         (s["name"], s["phone"], "110108"))
        self.assertNotIn(idn[:17], g.text)

        # a registry person: their record fills name, phone and region
        pid = self.registry_person()
        r = self.s["official"].post("/api/v1/subjects", {"person_id": pid})
        self.assertStatus(r, 201)
        reg = r.json()
        self.assertEqual(reg["person_id"], pid)
        self.assertEqual(reg["name"], "职工" + pid)
        self.assertEqual(reg["region_code"], "110108")
        self.assertFalse(reg["existing"])
        # registering them again (official or office) gives the same subject
        for who in ("official", "office"):
            r = self.s[who].post("/api/v1/subjects", {"person_id": pid})
            self.assertStatus(r, 200)
            self.assertEqual(r.json()["id"], reg["id"])
            self.assertTrue(r.json()["existing"])
        # the office registers its own people, not outsiders
        r = self.s["office"].post("/api/v1/subjects", {"name": "外人", "phone": "13700000000",
                                                       "region_code": "110108"})
        self.assertError(r, 400, field="person_id")
        # an unknown registry person
        r = self.s["official"].post("/api/v1/subjects", {"person_id": "NOPE-1"})
        self.assertError(r, 400, field="person_id")
        # an official registers people of their own region only
        r = self.s["official"].post("/api/v1/subjects", {"name": "武汉人", "phone": "13700000001",
                                                         "region_code": "420106"})
        self.assertError(r, 403, field="region_code")
        # a region that is not in the division lists
        r = self.s["official"].post("/api/v1/subjects", {"name": "无区划", "phone": "13700000002",
                                                         "region_code": "119999"})
        self.assertError(r, 400, field="region_code")
        for who in ("staff", "head", "analyst", "admin"):
            r = self.s[who].post("/api/v1/subjects", {"person_id": pid})
            self.assertError(r, 403)

    def test_duplicates_are_offered_for_merging(self):
        idn = fk.resident_id(self.n())
        first = self.external(id_number=idn)
        # the same ID number under another name and phone
        r = self.s["official"].post("/api/v1/subjects", {
            "name": "改名%03d" % self.n(), "phone": "137%08d" % self.n(), "id_number": idn,
            "region_code": "110108"})
        e = self.assertError(r, 409, field="id_number")
        self.assertIn(first["id"], [c["id"] for c in r.json()["candidates"]], e)
        # the check character may be written in lower case: still the same number
        x_id = next(fk.resident_id(k) for k in range(500, 1000)
                    if fk.resident_id(k).endswith("X"))
        with_x = self.external(id_number=x_id)
        r = self.s["official"].post("/api/v1/subjects", {
            "name": "小写%03d" % self.n(), "phone": "137%08d" % self.n(),
            "id_number": x_id[:17] + "x", "region_code": "110108"})
        self.assertError(r, 409)
        self.assertIn(with_x["id"], [c["id"] for c in r.json()["candidates"]])
        # the same name and phone without an ID number
        r = self.s["official"].post("/api/v1/subjects", {
            "name": first["name"], "phone": first["phone"], "region_code": "110108"})
        self.assertError(r, 409)
        cands = r.json()["candidates"]
        self.assertEqual([c["id"] for c in cands], [first["id"]])
        self.assertEqual(cands[0]["name"], first["name"])
        # force=1 creates anyway
        forced = self.external(force=True, name=first["name"], phone=first["phone"])
        self.assertNotEqual(forced["id"], first["id"])
        self.assertFalse(forced["existing"])
        # the same name with another phone is somebody else
        self.external(name=first["name"], phone="136%08d" % self.n())

    def test_bad_id_number_is_refused_and_nothing_stored(self):
        good = fk.resident_id(self.n())
        bad_check = good[:17] + ("0" if good[17] != "0" else "1")
        name, phone = "错号%03d" % self.n(), "135%08d" % self.n()
        for idn in (bad_check, good[:17], good + "1", "ABCDEFGHIJKLMNOPQR", good[:16] + "X1"):
            r = self.s["official"].post("/api/v1/subjects", {
                "name": name, "phone": phone, "id_number": idn, "region_code": "110108"})
            self.assertError(r, 400, field="id_number")
        # nothing was stored: the same name and phone is not a duplicate
        s = self.external(name=name, phone=phone, id_number=good)
        self.assertTrue(s["has_id_number"])

    def test_merge_keeps_history(self):
        old = self.external()
        c = self.case(old["id"], "suspected", onset_date=day(-3), report_date=day(-1))
        self.move(c["id"], "confirmed", reason="RT-PCR positive")
        # the same person registered again by mistake, with force
        new = self.external(force=True, name=old["name"], phone=old["phone"])
        r = self.s["official"].post("/api/v1/subjects/%d/merge" % old["id"],
                                    {"into": new["id"]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["id"], new["id"])
        g = self.s["official"].get("/api/v1/subjects/%d" % old["id"]).json()
        self.assertEqual(g["merged_into"], new["id"])
        # the merged one's case moved, with its history
        moved = self.get_case(c["id"])
        self.assertEqual(moved["subject_id"], new["id"])
        self.assertEqual(moved["classification"], "confirmed")
        self.assertEqual([(e["from"], e["to"]) for e in moved["events"]
                          if e["kind"] == "classification"],
                         [("new", "suspected"), ("suspected", "confirmed")])
        self.assertEqual(moved["events"][-1]["reason"], "RT-PCR positive")
        # the merged record takes no new cases or exposures; merging again is a conflict
        r = self.s["official"].post("/api/v1/cases", self.case_body(old["id"]))
        self.assertError(r, 400, field="subject_id")
        other = self.external()
        self.expose(old["id"], other["id"], day(-2), day(-1), status=400)
        r = self.s["official"].post("/api/v1/subjects/%d/merge" % old["id"],
                                    {"into": other["id"]})
        self.assertError(r, 409)
        r = self.s["official"].post("/api/v1/subjects/%d/merge" % other["id"],
                                    {"into": other["id"]})
        self.assertError(r, 400, field="into")
        r = self.s["official"].post("/api/v1/subjects/%d/merge" % other["id"],
                                    {"into": 999999})
        self.assertError(r, 400, field="into")
        r = self.s["office"].post("/api/v1/subjects/%d/merge" % other["id"],
                                  {"into": new["id"]})
        self.assertError(r, 403)

    # ---- cases --------------------------------------------------------------

    def test_registers_each_classification(self):
        for cls in ("suspected", "confirmed", "asymptomatic"):
            s = self.external()
            over = {"severity": "common", "facility": "地坛医院", "imported": True}
            if cls == "asymptomatic":
                over.update(onset_date=None, sampling_date=day(-1))
            c = self.case(s["id"], cls, **over)
            for k in CASE_FIELDS:
                self.assertIn(k, c, cls)
            self.assertEqual(c["classification"], cls)
            self.assertEqual(c["subject_id"], s["id"])
            self.assertEqual(c["name"], s["name"])
            self.assertEqual(c["class_date"], TODAY, "class_date defaults to the report date")
            self.assertEqual(c["severity"], "common")
            self.assertEqual(c["severity_date"], TODAY)
            self.assertEqual((c["facility"], c["imported"]), ("地坛医院", True))
            self.assertEqual(c["created_by"], "official")
            self.assertEqual(c["report_due_at"], c["detected_at"] + 7200)
            self.assertEqual(c["investigation_due_at"], c["reported_at"] + 86400)
            self.assertFalse(c["report_overdue"])
            self.assertFalse(c["investigation_overdue"])
            self.assertIsNone(c["investigated_at"])
            self.assertLessEqual(abs(c["detected_at"] - time.time()), 120,
                                 "detected_at defaults to now")
            g = self.get_case(c["id"])
            self.assertEqual(g["classification"], cls)
            self.assertEqual([(e["kind"], e["from"], e["to"]) for e in g["events"]],
                             [("classification", "new", cls)])
            if cls == "asymptomatic":
                self.assertIsNone(g["onset_date"])
                self.assertEqual(g["sampling_date"], day(-1))

    def test_clinical_only_in_hubei_from_12_to_19_february_2020(self):
        s = self.external(session=self.hubei, region_code="420106")
        c = self.case(s["id"], "clinical", session=self.hubei, region_code="420106",
                      onset_date="2020-02-10", report_date="2020-02-13",
                      class_date="2020-02-13")
        self.assertEqual((c["classification"], c["class_date"]), ("clinical", "2020-02-13"))
        # the edges: 12 and 19 Feb are inside
        for d in ("2020-02-12", "2020-02-19"):
            s = self.external(session=self.hubei, region_code="420106")
            self.case(s["id"], "clinical", session=self.hubei, region_code="420106",
                      onset_date="2020-02-08", report_date=d)
        # outside the dates (11 and 20 Feb), by report date or by class date:
        # refused naming the request's field, and nothing stored
        for d in ("2020-02-11", "2020-02-20"):
            s = self.external(session=self.hubei, region_code="420106")
            for over in ({"report_date": d}, {"report_date": "2020-02-15", "class_date": d}):
                with self.subTest(date=d, **over):
                    r = self.hubei.post("/api/v1/cases", self.case_body(
                        s["id"], "clinical", region_code="420106", onset_date="2020-02-08",
                        **over))
                    self.assertError(r, 400, field="class_date")
            self.assertEqual([c for c in self.all_pages(self.hubei, "/api/v1/cases")
                              if c["subject_id"] == s["id"]], [])
        # outside Hubei, inside the dates; and a case is registered as one of
        # the four classes, never as an outcome
        s = self.external()
        for cls, date in (("clinical", "2020-02-15"), ("excluded", TODAY),
                          ("recovered", TODAY), ("died", TODAY), ("new", TODAY),
                          ("probable", TODAY)):
            with self.subTest(classification=cls):
                r = self.s["official"].post("/api/v1/cases", self.case_body(
                    s["id"], cls, onset_date=fk.add_days(date, -3), report_date=date))
                self.assertError(r, 400, field="classification")
        self.assertEqual([c for c in self.all_pages(self.s["official"], "/api/v1/cases")
                          if c["subject_id"] == s["id"]], [])

    def test_dates_out_of_order_are_refused_and_nothing_stored(self):
        s = self.external()
        before = self.case_ids(self.s["official"])
        bad = [
            ({"onset_date": day(-1), "report_date": day(-2)}, "onset_date"),
            ({"sampling_date": day(-1), "report_date": day(-2)}, "sampling_date"),
            ({"report_date": day(1)}, "report_date"),
            ({"onset_date": day(1)}, "onset_date"),
            ({"diagnosis_date": day(-3), "onset_date": day(-2)}, "diagnosis_date"),
            ({"isolation_date": day(-20), "onset_date": day(-5)}, "isolation_date"),
            ({"class_date": day(-5), "onset_date": day(-2)}, "class_date"),
            ({"class_date": day(1)}, "class_date"),
            ({"onset_date": "2020-2-1"}, "onset_date"),
            ({"report_date": "yesterday"}, "report_date"),
            ({"report_date": None}, "report_date"),
            ({"detected_at": int(time.time()) + 3600}, "detected_at"),
            ({"detected_at": -100}, "detected_at"),
            ({"severity": "moderate"}, "severity"),
            ({"region_code": "119999"}, "region_code"),
            ({"subject_id": 999999}, "subject_id"),
            ({"ward": "3"}, "ward"),
        ]
        for over, field in bad:
            with self.subTest(**{k: str(v) for k, v in over.items()}):
                r = self.s["official"].post("/api/v1/cases", self.case_body(s["id"], **over))
                self.assertError(r, 400, field=field)
        self.assertEqual(self.case_ids(self.s["official"]), before, "a refused case was stored")
        # the same person with dates in order is accepted
        c = self.case(s["id"], onset_date=day(-5), sampling_date=day(-3), report_date=day(-2),
                      diagnosis_date=day(-2), isolation_date=day(-19))
        self.assertEqual((c["onset_date"], c["sampling_date"], c["report_date"],
                          c["diagnosis_date"], c["isolation_date"]),
                         (day(-5), day(-3), day(-2), day(-2), day(-19)))
        self.assertEqual(c["class_date"], day(-2), "class_date defaults to the diagnosis date")

    def test_transitions_follow_the_state_machine(self):
        s = self.external()
        c = self.case(s["id"], "suspected", onset_date=day(-4), report_date=day(-3))
        r = self.move(c["id"], "confirmed", date=day(-2), reason="RT-PCR positive")
        self.assertEqual((r.json()["classification"], r.json()["class_date"]),
                         ("confirmed", day(-2)))
        self.assertEqual(r.json()["diagnosis_date"], day(-2),
                         "confirmation sets the diagnosis date")
        self.move(c["id"], "recovered", date=day(-1))
        # a re-positive after discharge is confirmed again
        r = self.move(c["id"], "confirmed")
        self.assertEqual((r.json()["classification"], r.json()["class_date"]),
                         ("confirmed", TODAY))
        # confirmed cannot be excluded or go back to suspected
        for to in ("excluded", "suspected", "asymptomatic", "clinical"):
            self.assertError(self.move(c["id"], to, status=400), 400, field="to")
        g = self.get_case(c["id"])
        self.assertEqual(g["classification"], "confirmed")
        self.assertEqual([(e["from"], e["to"], e["date"], e["by"]) for e in g["events"]],
                         [("new", "suspected", day(-3), "official"),
                          ("suspected", "confirmed", day(-2), "official"),
                          ("confirmed", "recovered", day(-1), "official"),
                          ("recovered", "confirmed", TODAY, "official")])
        self.assertEqual(g["events"][1]["reason"], "RT-PCR positive")

        # excluded is final: excluded -> died is refused naming "to", nothing changes
        s2 = self.external()
        c2 = self.case(s2["id"], "suspected")
        self.move(c2["id"], "excluded", reason="two negative tests 24 h apart")
        for to in ("died", "confirmed", "suspected", "recovered"):
            e = self.assertError(self.move(c2["id"], to, status=400), 400, field="to")
            self.assertIn("excluded", e["message"])
        g2 = self.get_case(c2["id"])
        self.assertEqual(g2["classification"], "excluded")
        self.assertEqual(len(g2["events"]), 2)

        # died is final
        s3 = self.external()
        c3 = self.case(s3["id"], "confirmed", severity="critical")
        self.move(c3["id"], "died")
        for to in ("recovered", "confirmed", "excluded"):
            self.assertError(self.move(c3["id"], to, status=400), 400, field="to")
        self.assertEqual(self.get_case(c3["id"])["classification"], "died")

        # bad transitions
        s4 = self.external()
        c4 = self.case(s4["id"], "suspected", report_date=day(-1), onset_date=day(-2))
        self.assertError(self.move(c4["id"], "cured", status=400), 400, field="to")
        self.assertError(self.move(c4["id"], "confirmed", status=400, date=day(-2)), 400,
                         field="date")
        self.assertError(self.move(c4["id"], "confirmed", status=400, date=day(1)), 400,
                         field="date")
        self.assertError(self.move(c4["id"], "confirmed", status=400, reason="x" * 201), 400,
                         field="reason")
        r = self.s["official"].post("/api/v1/cases/999999/transitions", {"to": "confirmed"})
        self.assertError(r, 404)
        self.assertEqual(self.get_case(c4["id"])["classification"], "suspected")
        # clinical is a Hubei class of 12-19 Feb 2020 only
        self.assertError(self.move(c4["id"], "clinical", status=400), 400)
        r = self.s["office"].post("/api/v1/cases/%d/transitions" % c4["id"], {"to": "confirmed"})
        self.assertError(r, 403)

    def test_clinical_transition_in_hubei(self):
        s = self.external(session=self.hubei, region_code="420106")
        c = self.case(s["id"], "suspected", session=self.hubei, region_code="420106",
                      onset_date="2020-02-08", report_date="2020-02-10")
        r = self.hubei.post("/api/v1/cases/%d/transitions" % c["id"],
                            {"to": "clinical", "date": "2020-02-20"})
        self.assertError(r, 400, field="date")
        r = self.hubei.post("/api/v1/cases/%d/transitions" % c["id"],
                            {"to": "clinical", "date": "2020-02-12"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["classification"], "clinical")
        # the 6th edition removed the category; the case is then confirmed or recovers
        r = self.hubei.post("/api/v1/cases/%d/transitions" % c["id"],
                            {"to": "confirmed", "date": "2020-02-21"})
        self.assertStatus(r, 200)

    def test_severity_and_lab_tests(self):
        s = self.external()
        c = self.case(s["id"], "suspected", onset_date=day(-3), report_date=day(-1))
        self.assertEqual(c["severity"], "none")
        r = self.s["official"].post("/api/v1/cases/%d/severity" % c["id"],
                                    {"severity": "severe", "date": day(-1)})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["severity"], r.json()["severity_date"]), ("severe", day(-1)))
        r = self.s["official"].post("/api/v1/cases/%d/severity" % c["id"],
                                    {"severity": "critical"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["severity"], r.json()["severity_date"]),
                         ("critical", TODAY))
        for sev in ("moderate", "none", ""):
            r = self.s["official"].post("/api/v1/cases/%d/severity" % c["id"],
                                        {"severity": sev})
            self.assertError(r, 400, field="severity")
        g = self.get_case(c["id"])
        self.assertEqual(g["severity"], "critical")
        self.assertEqual([(e["from"], e["to"]) for e in g["events"] if e["kind"] == "severity"],
                         [("none", "severe"), ("severe", "critical")])

        labs = self.s["official"].post("/api/v1/cases/%d/labs" % c["id"], {
            "kind": "rt_pcr", "sample_date": day(-2), "result": "positive",
            "result_date": day(-1)})
        self.assertStatus(labs, 201)
        self.assertEqual((labs.json()["kind"], labs.json()["result"]), ("rt_pcr", "positive"))
        r = self.s["official"].post("/api/v1/cases/%d/labs" % c["id"], {
            "kind": "igm", "sample_date": TODAY, "result": "pending"})
        self.assertStatus(r, 201)
        bad = [
            ({"kind": "antigen"}, "kind"),
            ({"result": "weak"}, "result"),
            ({"sample_date": day(1)}, "sample_date"),
            ({"result_date": day(-3)}, "result_date"),     # before the sample
            ({"result": "pending", "result_date": TODAY}, "result_date"),
            ({"sample_date": "02/03/2020"}, "sample_date"),
        ]
        for over, field in bad:
            body = {"kind": "rt_pcr", "sample_date": day(-2), "result": "negative",
                    "result_date": day(-1)}
            body.update(over)
            r = self.s["official"].post("/api/v1/cases/%d/labs" % c["id"], body)
            self.assertError(r, 400, field=field)
        g = self.get_case(c["id"])
        self.assertEqual(sorted((t["kind"], t["sample_date"], t["result"], t["result_date"])
                                for t in g["labs"]),
                         [("igm", TODAY, "pending", None),
                          ("rt_pcr", day(-2), "positive", day(-1))])

    def test_placements(self):
        s = self.external()
        c = self.case(s["id"], "confirmed")
        self.assertFalse(self.get_case(c["id"])["placed"], "a new case is not yet placed")
        # R5.2: confirmed, suspected and fever patients are never placed at home
        for cat in ("confirmed", "suspected", "fever"):
            r = self.s["official"].post("/api/v1/placements", {
                "subject_id": s["id"], "case_id": c["id"], "category": cat,
                "place_type": "home", "start_date": TODAY})
            self.assertError(r, 400, field="place_type")
        self.assertEqual(self.get_case(c["id"])["placements"], [])
        r = self.s["official"].post("/api/v1/placements", {
            "subject_id": s["id"], "case_id": c["id"], "category": "confirmed",
            "place_type": "designated_hospital", "facility": "地坛医院", "start_date": TODAY})
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["category"], r.json()["place_type"]),
                         ("confirmed", "designated_hospital"))
        g = self.get_case(c["id"])
        self.assertTrue(g["placed"])
        self.assertEqual([(p["category"], p["place_type"], p["facility"], p["start_date"],
                           p["end_date"]) for p in g["placements"]],
                         [("confirmed", "designated_hospital", "地坛医院", TODAY, None)])
        # a close contact may be observed at home
        other = self.external()
        r = self.s["official"].post("/api/v1/placements", {
            "subject_id": other["id"], "category": "contact", "place_type": "home",
            "start_date": TODAY})
        self.assertStatus(r, 201)
        bad = [
            ({"category": "visitor"}, "category"),
            ({"place_type": "hotel"}, "place_type"),
            ({"start_date": day(1)}, "start_date"),
            ({"end_date": day(-1)}, "end_date"),
            ({"subject_id": 999999}, "subject_id"),
        ]
        for over, field in bad:
            body = {"subject_id": s["id"], "category": "confirmed",
                    "place_type": "designated_hospital", "start_date": TODAY}
            body.update(over)
            r = self.s["official"].post("/api/v1/placements", body)
            # an unknown person is a bad field of the body, as for /cases and /exposures
            self.assertStatus(r, 400)
            self.assertEqual(r.json()["error"]["field"], field, r)
        self.assertEqual(len(self.get_case(c["id"])["placements"]), 1)

    def test_report_deadline_and_overdue_list(self):
        now = int(time.time())
        late = self.case(self.external()["id"], detected_at=now - 3 * 3600)
        in_time = self.case(self.external()["id"], detected_at=now - 3600)
        # R3.1: reported more than 2 hours after detection
        self.assertTrue(late["report_overdue"])
        self.assertEqual(late["report_due_at"], now - 3 * 3600 + 7200)
        self.assertFalse(in_time["report_overdue"])
        overdue = self.case_ids(self.s["official"], "?overdue=report")
        self.assertIn(late["id"], overdue)
        self.assertNotIn(in_time["id"], overdue)
        self.assertTrue(self.get_case(late["id"])["report_overdue"])
        r = self.s["official"].get("/api/v1/cases?overdue=tomorrow")
        self.assertError(r, 400, field="overdue")

    def test_investigation_deadline(self):
        # R3.4: the investigation is due 24 h after the report.  The server
        # stamps reported_at itself when a case is registered (it cannot be
        # backdated through the API), so a case can only be seen overdue a
        # day after it was registered: here we check the side that is not
        # yet overdue and that recording the investigation is kept.
        c = self.case(self.external()["id"])
        self.assertFalse(c["investigation_overdue"])
        self.assertGreater(c["investigation_due_at"], time.time() + 86400 - 300)
        self.assertNotIn(c["id"], self.case_ids(self.s["official"], "?overdue=investigation"))
        at = int(time.time()) - 600
        r = self.s["official"].post("/api/v1/cases/%d/investigation" % c["id"],
                                    {"investigated_at": at})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["investigated_at"], at)
        self.assertFalse(r.json()["investigation_overdue"])
        r = self.s["official"].post("/api/v1/cases/%d/investigation" % c["id"], {})
        self.assertError(r, 409)
        g = self.get_case(c["id"])
        self.assertEqual(g["investigated_at"], at)
        self.assertIn("investigation", [e["kind"] for e in g["events"]])
        c2 = self.case(self.external()["id"])
        r = self.s["official"].post("/api/v1/cases/%d/investigation" % c2["id"],
                                    {"investigated_at": int(time.time()) + 3600})
        self.assertError(r, 400, field="investigated_at")
        self.assertIsNone(self.get_case(c2["id"])["investigated_at"])

    # ---- access ---------------------------------------------------------------

    def test_office_sees_cases_of_its_own_people_only(self):
        reg = self.registry_subject()
        ext = self.external()
        c_reg = self.case(reg["id"])
        c_ext = self.case(ext["id"])
        seen = self.case_ids(self.s["office"])
        self.assertIn(c_reg["id"], seen)
        self.assertNotIn(c_ext["id"], seen)
        self.assertStatus(self.s["office"].get("/api/v1/cases/%d" % c_reg["id"]), 200)
        self.assertError(self.s["office"].get("/api/v1/cases/%d" % c_ext["id"]), 404)
        self.assertError(self.s["office"].get("/api/v1/subjects/%d" % ext["id"]), 404)
        # the office reads, the official changes
        r = self.s["office"].post("/api/v1/cases", self.case_body(reg["id"]))
        self.assertError(r, 403)
        r = self.s["office"].post("/api/v1/cases/%d/severity" % c_reg["id"],
                                  {"severity": "mild"})
        self.assertError(r, 403)

    def test_official_of_another_region_sees_nothing_of_beijing(self):
        s = self.external()
        c = self.case(s["id"])
        self.assertError(self.hubei.get("/api/v1/cases/%d" % c["id"]), 404)
        self.assertError(self.hubei.get("/api/v1/subjects/%d" % s["id"]), 404)
        self.assertError(self.hubei.get("/api/v1/cases/%d/contacts" % c["id"]), 404)
        hubei_cases = self.all_pages(self.hubei, "/api/v1/cases")
        self.assertNotIn(c["id"], [x["id"] for x in hubei_cases])
        for x in hubei_cases:
            self.assertTrue(x["region_code"].startswith("42"), x)
        # nor may they change it (404: its existence does not leak)
        r = self.hubei.post("/api/v1/cases/%d/transitions" % c["id"], {"to": "recovered"})
        self.assertError(r, 404)
        r = self.hubei.post("/api/v1/cases/%d/labs" % c["id"], {
            "kind": "rt_pcr", "sample_date": TODAY, "result": "pending"})
        self.assertError(r, 404)
        # nor register a case in Beijing
        hs = self.external(session=self.hubei, region_code="420106")
        r = self.hubei.post("/api/v1/cases", self.case_body(hs["id"], region_code="110108"))
        self.assertError(r, 403, field="region_code")
        self.assertEqual(self.get_case(c["id"])["classification"], "confirmed")

    def test_roles_without_case_access(self):
        c = self.case(self.external()["id"])
        for who in ("analyst", "admin", "head", "staff"):
            for path in ("/api/v1/cases", "/api/v1/cases/%d" % c["id"],
                         "/api/v1/cases/%d/contacts" % c["id"]):
                self.assertError(self.s[who].get(path), 403)
            r = self.s[who].post("/api/v1/cases", self.case_body(c["subject_id"]))
            self.assertError(r, 403)
            r = self.s[who].post("/api/v1/exposures", {
                "subject_a": c["subject_id"], "subject_b": c["subject_id"] + 1,
                "first_date": TODAY, "last_date": TODAY, "setting": "other",
                "protection": "none"})
            self.assertError(r, 403)
        self.assertError(self.req("GET", "/api/v1/cases"), 401)

    def test_every_read_of_a_case_is_audited(self):
        c = self.case(self.external()["id"])
        self.get_case(c["id"])
        items = self.audit_items()
        reads = [a for a in items if a["action"] == "read" and a["object_type"] == "case"
                 and a["object_id"] == str(c["id"])]
        self.assertTrue(reads, "GET /cases/%d left no read in the audit log" % c["id"])
        self.assertEqual(reads[0]["username"], "official")
        self.assertEqual(reads[0]["role"], "official")
        # a listing is audited too, per case listed
        self.case_ids(self.s["official"])
        lists = [a for a in self.audit_items() if a["action"] == "read"
                 and a["object_type"] == "case" and a["object_id"] == str(c["id"])]
        self.assertGreater(len(lists), len(reads))
        # and the creation, with who did it
        created = [a for a in items if a["action"] == "create" and a["object_type"] == "case"
                   and a["object_id"] == str(c["id"])]
        self.assertEqual([a["username"] for a in created], ["official"])
        # a subject read
        self.s["official"].get("/api/v1/subjects/%d" % c["subject_id"])
        self.assertTrue([a for a in self.audit_items() if a["action"] == "read"
                         and a["object_type"] == "subject"
                         and a["object_id"] == str(c["subject_id"])])

    # ---- exposures and contacts ------------------------------------------------

    def test_exposure_bad_input_stores_nothing(self):
        a = self.external()
        b = self.external()
        c = self.case(a["id"], onset_date=day(-3))
        bad = [
            ({"subject_b": a["id"]}, "subject_b"),
            ({"setting": "bar"}, "setting"),
            ({"setting": ""}, "setting"),
            ({"first_date": day(-1), "last_date": day(-2)}, "last_date"),
            ({"last_date": day(1)}, "last_date"),
            ({"protection": "n95"}, "protection"),
            ({"observation_kind": "hotel"}, "observation_kind"),
            ({"first_date": "2020-02-30"}, "first_date"),
            ({"subject_b": 999999}, "subject_b"),
            ({"note": "x" * 201}, "note"),
        ]
        for over, field in bad:
            body = {"subject_a": a["id"], "subject_b": b["id"], "first_date": day(-2),
                    "last_date": day(-1), "setting": "household", "protection": "none"}
            body.update(over)
            r = self.s["official"].post("/api/v1/exposures", body)
            self.assertError(r, 400, field=field)
        r = self.s["official"].get("/api/v1/cases/%d/contacts?hops=2" % c["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["items"], [], "a refused exposure was stored")
        # no observation was opened for b
        self.assertNotIn(b["id"], [o["subject_id"] for o in
                                   self.all_pages(self.s["official"], "/api/v1/observations")])

    def test_contacts_over_two_hops(self):
        a, b, cc, d, e = (self.external() for _ in range(5))
        case = self.case(a["id"], onset_date=day(-3))
        # B: household, inside the window (onset-2 .. today)
        xb = self.expose(a["id"], b["id"], day(-6), day(-2))
        self.assertTrue(xb["close_contact"])
        self.assertEqual(xb["observation"]["subject_id"], b["id"])
        self.assertEqual(xb["observation"]["end_date"], day(12))
        self.assertTrue(xb["observation"]["opened"])
        # C: a contact of B (B is not a case: no observation for C)
        xc = self.expose(b["id"], cc["id"], day(-1), day(-1), setting="workplace")
        self.assertFalse(xc["close_contact"])
        self.assertIsNone(xc["observation"])
        # D: last met onset-3, before the window; E: effective protection
        xd = self.expose(a["id"], d["id"], day(-9), day(-6))
        self.assertFalse(xd["close_contact"])
        self.assertIsNone(xd["observation"])
        xe = self.expose(a["id"], e["id"], day(-2), day(-1), setting="medical",
                         protection="effective")
        self.assertFalse(xe["close_contact"])

        r = self.s["official"].get("/api/v1/cases/%d/contacts?hops=2" % case["id"])
        self.assertStatus(r, 200)
        items = {x["subject_id"]: x for x in r.json()["items"]}
        self.assertEqual(set(items), {b["id"], cc["id"], d["id"], e["id"]})
        xb_ = items[b["id"]]
        self.assertEqual((xb_["hop"], xb_["via_subject"], xb_["close_contact"],
                          xb_["last_exposure"], xb_["observation_end"], xb_["name"]),
                         (1, a["id"], True, day(-2), day(12), b["name"]))
        self.assertEqual(xb_["observation_id"], xb["observation"]["id"])
        xc_ = items[cc["id"]]
        self.assertEqual((xc_["hop"], xc_["via_subject"], xc_["close_contact"],
                          xc_["observation_id"]), (2, b["id"], False, None))
        self.assertEqual((items[d["id"]]["hop"], items[d["id"]]["close_contact"]), (1, False))
        self.assertEqual((items[e["id"]]["hop"], items[e["id"]]["close_contact"]), (1, False))
        r = self.s["official"].get("/api/v1/cases/%d/contacts?hops=1" % case["id"])
        self.assertEqual({x["subject_id"] for x in r.json()["items"]},
                         {b["id"], d["id"], e["id"]})
        for bad in ("0", "3", "two"):
            r = self.s["official"].get("/api/v1/cases/%d/contacts?hops=%s" % (case["id"], bad))
            self.assertError(r, 400, field="hops")
        # the contact list is audited, per person listed
        reads = [x for x in self.audit_items() if x["action"] == "read"
                 and x["object_type"] == "subject" and x["object_id"] == str(cc["id"])]
        self.assertTrue(reads, "the hop-2 person's listing was not audited")

    def test_registering_a_case_evaluates_recorded_exposures(self):
        # exposures recorded before anyone is a case open observations once
        # one side becomes a case (and only for exposures in its window)
        a, b, d = self.external(), self.external(), self.external()
        x = self.expose(a["id"], b["id"], day(-4), day(-3))
        self.assertFalse(x["close_contact"])
        self.expose(a["id"], d["id"], day(-12), day(-10))
        self.case(a["id"], onset_date=day(-2))
        obs = {o["subject_id"]: o for o in
               self.all_pages(self.s["official"], "/api/v1/observations?status=open")}
        self.assertIn(b["id"], obs)
        self.assertEqual(obs[b["id"]]["end_date"], day(11))
        self.assertNotIn(d["id"], obs)
        # an asymptomatic case's window starts 2 days before sampling
        s, f = self.external(), self.external()
        self.expose(s["id"], f["id"], day(-5), day(-5))
        self.case(s["id"], "asymptomatic", onset_date=None, sampling_date=day(-3))
        obs = {o["subject_id"]: o for o in
               self.all_pages(self.s["official"], "/api/v1/observations?status=open")}
        self.assertIn(f["id"], obs)
        self.assertEqual(obs[f["id"]]["end_date"], day(9))

    # ---- chains -----------------------------------------------------------------

    def test_chains_and_serial_intervals(self):
        off = self.shanghai
        s1 = self.external(session=off, region_code="310101")
        s2 = self.external(session=off, region_code="310101")
        c1 = self.case(s1["id"], session=off, region_code="310101", onset_date=day(-6))
        x = self.expose(s1["id"], s2["id"], day(-5), day(-3), session=off)
        self.assertTrue(x["close_contact"])
        c2 = self.case(s2["id"], session=off, region_code="310101", onset_date=day(-2))
        # s1 is an active case (isolated and treated), not c2's close contact
        # to be put under medical observation
        with self.subTest("the infector is not observed as a contact"):
            obs = [o for o in self.all_pages(off, "/api/v1/observations")
                   if o["subject_id"] == s1["id"]]
            self.assertEqual(obs, [], "the infector, an active case, was put under observation")
        # a case with no link
        s3 = self.external(session=off, region_code="310101")
        c3 = self.case(s3["id"], session=off, region_code="310101", onset_date=day(-1))

        mark = self.audit_items(1)[0]["id"]
        r = off.get("/api/v1/chains?from=%s&to=%s" % (TODAY, TODAY))
        self.assertStatus(r, 200)
        body = r.json()
        with self.subTest("reading chains with names is audited"):
            reads = {(a["object_type"], a["object_id"]) for a in self.audit_items()
                     if a["id"] > mark and a["action"] == "read"
                     and a["username"] == "shanghai_official"}
            self.assertIn(("case", str(c2["id"])), reads,
                          "GET /chains showed names and left no read in the audit log")
        cases = {c["case_id"]: c for c in body["cases"]}
        self.assertEqual(set(cases), {c1["id"], c2["id"], c3["id"]})
        self.assertEqual((cases[c1["id"]]["generation"], cases[c1["id"]]["infector_case"]),
                         (1, None))
        self.assertEqual((cases[c2["id"]]["generation"], cases[c2["id"]]["infector_case"]),
                         (2, c1["id"]))
        self.assertEqual(cases[c1["id"]]["chain"], cases[c2["id"]]["chain"])
        self.assertIsNotNone(cases[c1["id"]]["chain"])
        self.assertIsNone(cases[c3["id"]]["chain"])
        self.assertEqual(cases[c1["id"]]["name"], s1["name"])
        self.assertEqual((cases[c2["id"]]["onset"], cases[c2["id"]]["report"]),
                         (day(-2), TODAY))
        with self.subTest("c1 was no known contact"):
            self.assertFalse(cases[c1["id"]]["known_contact"],
                             "c1 was reported before anyone linked it to c2")
        self.assertTrue(cases[c2["id"]]["known_contact"],
                        "c2 was under observation when reported")
        self.assertIn({"from": c1["id"], "to": c2["id"]}, body["edges"])
        self.assertEqual(len(body["edges"]), 1)
        self.assertEqual(len(body["chains"]), 1)
        ch = body["chains"][0]
        self.assertEqual((ch["size"], ch["generations"], ch["first"], ch["last"]),
                         (2, 2, TODAY, TODAY))
        # the 7th prevention plan (Sep 2020, in force now) needs 5 cases for a cluster
        self.assertFalse(ch["cluster"])
        ind = body["indicators"]
        self.assertEqual((ind["new_cases"], ind["in_chains"], ind["no_known_source"]),
                         (3, 2, 2))
        with self.subTest("known contacts among the new cases"):
            self.assertEqual(ind["known_contacts"], 1)
            self.assertAlmostEqual(ind["share_known_contacts"], 1 / 3, places=3)
        self.assertAlmostEqual(ind["share_in_chains"], 2 / 3, places=3)
        self.assertAlmostEqual(ind["share_no_known_source"], 2 / 3, places=3)
        # a period with no new case
        r = off.get("/api/v1/chains?from=%s&to=%s" % (day(-30), day(-20)))
        self.assertEqual(r.json()["indicators"]["new_cases"], 0)
        self.assertEqual(r.json()["indicators"]["share_in_chains"], 0)
        self.assertError(off.get("/api/v1/chains?from=someday"), 400, field="from")

        # serial intervals: infector, infectee, their onsets and the days between
        r = off.get("/api/v1/chains/serial-intervals")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"), r.header("Content-Type"))
        self.assertIn("attachment", r.header("Content-Disposition", ""))
        rows = list(csv.reader(io.StringIO(r.text)))
        self.assertEqual(rows[0], ["infector_case", "infectee_case", "infector_onset",
                                   "infectee_onset", "serial_interval"])
        self.assertEqual(rows[1:], [[str(c1["id"]), str(c2["id"]), day(-6), day(-2), "4"]])
        self.assertNotIn(s1["name"], r.text)

        # the analyst: chains and intervals, without names
        r = self.s["analyst"].get("/api/v1/chains?from=%s&to=%s" % (TODAY, TODAY))
        self.assertStatus(r, 200)
        an = {c["case_id"]: c for c in r.json()["cases"]}
        self.assertIn(c2["id"], an)
        self.assertEqual(an[c2["id"]]["generation"], 2)
        for c in r.json()["cases"]:
            self.assertEqual(c["name"], "", c)
        self.assertNotIn(s1["name"], r.text)
        r = self.s["analyst"].get("/api/v1/chains/serial-intervals")
        self.assertStatus(r, 200)
        self.assertIn("%d,%d," % (c1["id"], c2["id"]), r.text)
        # Beijing's official does not see Shanghai's chain
        r = self.s["official"].get("/api/v1/chains?from=%s&to=%s" % (TODAY, TODAY))
        self.assertNotIn(c1["id"], [c["case_id"] for c in r.json()["cases"]])
        for who in ("admin", "head", "staff"):
            self.assertError(self.s[who].get("/api/v1/chains"), 403)
        for who in ("office", "admin", "head", "staff"):
            self.assertError(self.s[who].get("/api/v1/chains/serial-intervals"), 403)

    def test_office_chains_cover_its_own_people(self):
        reg = self.registry_subject()
        ext = self.external()
        c_reg = self.case(reg["id"])
        c_ext = self.case(ext["id"])
        r = self.s["office"].get("/api/v1/chains")
        self.assertStatus(r, 200)
        ids = {c["case_id"]: c for c in r.json()["cases"]}
        self.assertIn(c_reg["id"], ids)
        self.assertEqual(ids[c_reg["id"]]["name"], reg["name"])
        self.assertNotIn(c_ext["id"], ids)


if __name__ == "__main__":
    unittest.main()
