"""Medical observation of close contacts (issue 4; RULES.md R2.1-R2.3, C4,
R8.3, §6): observations opened by exposures in a case's window, ending
at the last exposure + 14 days, extended and never silently shortened;
release and today's release list; the morning and evening follow-ups,
filled by the team or by the person's own daily report, with a review
raised by a fever or a symptom that blocks release; what the staff member
sees of their own observation; the health code with observation and
cases; the QR code and its check at a gate.

Each test registers the people it needs. The demo staff login's person
(P0001) is put under observation once, in setUpClass, and only
test_staff_* tests and the QR test use them.
"""

import itertools
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import fk

TODAY = fk.today_cst()


def day(n):
    """TODAY + n days."""
    return fk.add_days(TODAY, n)


OBS_FIELDS = ("id", "subject_id", "name", "person_id", "region_code", "kind", "reason",
              "case_id", "last_exposure", "start_date", "end_date", "status", "closed_at",
              "note", "by", "created_at", "days_left")
VERIFY_FIELDS = {"valid", "reason", "colour", "expires_at"}


class ObservationTest(fk.ServerTestCase):

    _n = itertools.count(1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        off = cls.s["official"]
        r = cls.s["office"].get("/api/v1/departments")
        assert r.status == 200, r
        cls.department = r.json()["items"][-1]
        # P0001 (the staff login) is a close contact of a confirmed case
        r = off.post("/api/v1/subjects", {"person_id": fk.STAFF_PERSON})
        assert r.status == 201, r
        cls.staff_subject = r.json()
        r = off.post("/api/v1/subjects", {"name": "病例甲", "phone": "13900000001",
                                          "region_code": "110108"})
        assert r.status == 201, r
        cls.staff_source = r.json()
        r = off.post("/api/v1/cases", {
            "subject_id": cls.staff_source["id"], "classification": "confirmed",
            "onset_date": day(-3), "report_date": TODAY, "region_code": "110108"})
        assert r.status == 201, r
        r = off.post("/api/v1/exposures", {
            "subject_a": cls.staff_source["id"], "subject_b": cls.staff_subject["id"],
            "first_date": day(-3), "last_date": day(-1), "setting": "workplace",
            "protection": "none"})
        assert r.status == 201 and r.json()["close_contact"], r
        cls.staff_obs = r.json()["observation"]

    # ---- helpers ------------------------------------------------------------

    def n(self):
        return next(self._n)

    def external(self):
        k = self.n()
        r = self.s["official"].post("/api/v1/subjects", {
            "name": "观察%03d" % k, "phone": "137%08d" % k, "region_code": "110108"})
        self.assertStatus(r, 201)
        return r.json()

    def registry_subject(self):
        pid = "O-%03d" % self.n()
        r = self.s["office"].post("/api/v1/people", {
            "id": pid, "name": "职工" + pid, "kind": "staff",
            "department_id": self.department["id"], "region_code": "110108"})
        self.assertStatus(r, 201)
        r = self.s["official"].post("/api/v1/subjects", {"person_id": pid})
        self.assertStatus(r, 201)
        return r.json()

    def case(self, subject_id, classification="confirmed", **over):
        body = {"subject_id": subject_id, "classification": classification,
                "onset_date": day(-3), "report_date": TODAY, "region_code": "110108"}
        body.update(over)
        r = self.s["official"].post("/api/v1/cases", body)
        self.assertStatus(r, 201)
        return r.json()

    def expose(self, a, b, first, last, protection="none", status=201, **over):
        body = {"subject_a": a, "subject_b": b, "first_date": first, "last_date": last,
                "setting": "household", "protection": protection}
        body.update(over)
        r = self.s["official"].post("/api/v1/exposures", body)
        self.assertStatus(r, status)
        return r.json()

    def contact_under_observation(self, last=-1, subject=None):
        """A new case and a new close contact of it (last exposure TODAY +
        last days); returns (case, contact subject, exposure answer)."""
        src = self.external()
        c = self.case(src["id"])
        b = subject or self.external()
        x = self.expose(src["id"], b["id"], day(last - 1), day(last))
        self.assertTrue(x["close_contact"], x)
        return c, b, x

    def get_obs(self, obs_id, session=None):
        r = (session or self.s["official"]).get("/api/v1/observations/%d" % obs_id)
        self.assertStatus(r, 200)
        return r.json()

    def fill(self, obs_id, date, slot, temp, session=None, status=201, **over):
        body = {"date": date, "slot": slot, "temperature_c": temp}
        body.update(over)
        r = (session or self.s["official"]).post("/api/v1/observations/%d/followups" % obs_id,
                                                 body)
        self.assertStatus(r, status)
        return r

    def open_reviews(self, observation_id, session=None):
        r = (session or self.s["official"]).get("/api/v1/reviews?open=1")
        self.assertStatus(r, 200)
        return [x for x in r.json()["items"] if x["observation_id"] == observation_id]

    def release(self, obs_id, status=200, **body):
        r = self.s["official"].post("/api/v1/observations/%d/release" % obs_id, body or None)
        self.assertStatus(r, status)
        return r

    def extend(self, obs_id, end, status=200, **body):
        body["end_date"] = end
        r = self.s["official"].post("/api/v1/observations/%d/extend" % obs_id, body)
        self.assertStatus(r, status)
        return r

    # ---- opening, extending, shortening ----------------------------------------

    def test_exposure_in_window_opens_observation_to_last_plus_14(self):
        c, b, x = self.contact_under_observation(last=-2)
        o = x["observation"]
        self.assertEqual((o["subject_id"], o["end_date"], o["opened"]),
                         (b["id"], day(12), True))
        g = self.get_obs(o["id"])
        for k in OBS_FIELDS:
            self.assertIn(k, g)
        self.assertEqual((g["status"], g["reason"], g["kind"], g["case_id"], g["last_exposure"],
                          g["start_date"], g["end_date"], g["days_left"], g["by"]),
                         ("open", "close_contact", "home", c["id"], day(-2), TODAY, day(12), 12,
                          "official"))
        # a centralised observation on request
        b2, src = self.external(), self.external()
        self.case(src["id"])
        x2 = self.expose(src["id"], b2["id"], day(-1), day(-1), observation_kind="centralised")
        self.assertEqual(self.get_obs(x2["observation"]["id"])["kind"], "centralised")
        # outside the window (onset-3) or with effective protection: nobody observed
        for first, last, prot in ((day(-8), day(-6), "none"), (day(-2), day(-1), "effective")):
            other = self.external()
            x = self.expose(src["id"], other["id"], first, last, protection=prot)
            self.assertFalse(x["close_contact"])
            self.assertIsNone(x["observation"])
            ids = [o["subject_id"] for o in self.all_pages(self.s["official"],
                                                           "/api/v1/observations")]
            self.assertNotIn(other["id"], ids)
        # an exposure of two people neither of whom is a case
        p, q = self.external(), self.external()
        x = self.expose(p["id"], q["id"], day(-1), day(-1))
        self.assertFalse(x["close_contact"])

    def test_a_later_exposure_extends_an_earlier_never_shortens(self):
        src = self.external()
        self.case(src["id"], onset_date=day(-4))
        b = self.external()
        first = self.expose(src["id"], b["id"], day(-5), day(-3))["observation"]
        self.assertEqual((first["end_date"], first["opened"]), (day(11), True))
        later = self.expose(src["id"], b["id"], day(-1), TODAY)["observation"]
        self.assertEqual(later["id"], first["id"], "the same observation goes on")
        self.assertEqual((later["end_date"], later["opened"]), (day(14), False))
        earlier = self.expose(src["id"], b["id"], day(-6), day(-5))["observation"]
        self.assertEqual((earlier["id"], earlier["end_date"]), (first["id"], day(14)))
        g = self.get_obs(first["id"])
        self.assertEqual((g["end_date"], g["last_exposure"]), (day(14), TODAY))
        # one open observation for the person, follow-ups to the new end
        opened = [o for o in self.all_pages(self.s["official"], "/api/v1/observations")
                  if o["subject_id"] == b["id"]]
        self.assertEqual([o["id"] for o in opened], [first["id"]])
        self.assertEqual(max(f["date"] for f in g["followups"]), day(13))

    def test_extend_and_shorten_with_a_reason(self):
        _, _, x = self.contact_under_observation(last=-1)
        oid, end = x["observation"]["id"], x["observation"]["end_date"]
        self.assertEqual(end, day(13))
        # earlier without a reason: refused, nothing changes
        for reason in (None, ""):
            body = {} if reason is None else {"reason": reason}
            e = self.extend(oid, day(10), status=400, **body)
            self.assertError(e, 400, field="reason")
        self.assertEqual(self.get_obs(oid)["end_date"], end)
        # later: no reason needed; follow-ups are planned to the new end
        r = self.extend(oid, day(16))
        self.assertEqual(r.json()["end_date"], day(16))
        g = self.get_obs(oid)
        self.assertEqual(g["end_date"], day(16))
        self.assertEqual(len(g["followups"]), 2 * 16)
        self.assertEqual(max(f["date"] for f in g["followups"]), day(15))
        # earlier with a reason: allowed, the reason is kept
        r = self.extend(oid, day(10), reason="末次接触日期经核实为更早")
        self.assertEqual(r.json()["end_date"], day(10))
        g = self.get_obs(oid)
        self.assertEqual((g["end_date"], g["note"]), (day(10), "末次接触日期经核实为更早"))
        with self.subTest("no follow-up planned after the shortened end"):
            self.assertEqual([f["date"] for f in g["followups"] if f["date"] >= day(10)], [])
        # bad input
        self.assertError(self.extend(oid, day(-1), status=400, reason="x"), 400,
                         field="end_date")
        self.assertError(self.extend(oid, "2020-13-01", status=400), 400, field="end_date")
        self.assertError(self.extend(oid, day(20), status=400, reason="x" * 201), 400,
                         field="reason")
        self.assertError(self.extend(999999, day(20), status=404), 404)
        with self.subTest("an end years away is refused naming end_date"):
            self.assertError(self.extend(oid, day(800), status=400), 400, field="end_date")
        r = self.s["office"].post("/api/v1/observations/%d/extend" % oid, {"end_date": day(20)})
        self.assertError(r, 403)
        self.assertEqual(self.get_obs(oid)["end_date"], day(10))

    def test_release_before_the_end_needs_a_reason(self):
        _, _, x = self.contact_under_observation()
        oid = x["observation"]["id"]
        self.assertError(self.release(oid, status=400), 400, field="reason")
        self.assertError(self.release(oid, status=400, reason=""), 400, field="reason")
        self.assertEqual(self.get_obs(oid)["status"], "open")
        r = self.release(oid, reason="病例订正为排除")
        self.assertEqual(r.json()["status"], "released")
        self.assertIsNotNone(r.json()["closed_at"])
        g = self.get_obs(oid)
        self.assertEqual((g["status"], g["note"]), ("released", "病例订正为排除"))
        # a released observation takes no more changes
        self.assertError(self.release(oid, status=409, reason="again"), 409)
        self.assertError(self.extend(oid, day(30), status=409), 409)
        self.fill(oid, TODAY, "pm", 36.5, status=409)
        self.assertNotIn(oid, [o["id"] for o in self.all_pages(
            self.s["official"], "/api/v1/observations?status=open")])
        self.assertIn(oid, [o["id"] for o in self.all_pages(
            self.s["official"], "/api/v1/observations?status=released")])

    def test_release_list_of_a_day(self):
        _, _, x = self.contact_under_observation(last=-1)
        oid, end = x["observation"]["id"], x["observation"]["end_date"]
        listed = self.all_pages(self.s["official"],
                                "/api/v1/observations?status=open&ends_on=" + end)
        self.assertIn(oid, [o["id"] for o in listed])
        for o in listed:
            self.assertEqual((o["end_date"], o["status"]), (end, "open"))
        for other in (fk.add_days(end, -1), fk.add_days(end, 1)):
            ids = [o["id"] for o in self.all_pages(
                self.s["official"], "/api/v1/observations?status=open&ends_on=" + other)]
            self.assertNotIn(oid, ids)
        self.assertError(self.s["official"].get("/api/v1/observations?ends_on=soon"), 400,
                         field="ends_on")
        self.assertError(self.s["official"].get("/api/v1/observations?status=closed"), 400,
                         field="status")

    # ---- follow-ups and reviews -----------------------------------------------------

    def test_followups_and_a_fever_review_blocking_release(self):
        _, b, x = self.contact_under_observation(last=-1)
        oid = x["observation"]["id"]
        g = self.get_obs(oid)
        # two follow-ups a day (morning and evening) from today to the day before the end
        days = [day(k) for k in range(13)]
        self.assertEqual(sorted((f["date"], f["slot"]) for f in g["followups"]),
                         sorted((d, s) for d in days for s in ("am", "pm")))
        for f in g["followups"]:
            self.assertIsNone(f["filled_at"])
            self.assertFalse(f["missed"], "a slot of today or later is not missed")
        self.assertEqual(g["missed"], 0)
        # the morning round not filled is missed as of the evening round
        missed = self.s["official"].get("/api/v1/followups/missed?date=%s&slot=pm" % TODAY)
        self.assertStatus(missed, 200)
        self.assertIn((oid, TODAY, "am"), [(f["observation_id"], f["date"], f["slot"])
                                           for f in missed.json()["items"]])
        r = self.s["official"].get("/api/v1/followups/missed?date=%s&slot=am" % TODAY)
        self.assertNotIn(oid, [f["observation_id"] for f in r.json()["items"]])

        f = self.fill(oid, TODAY, "am", 36.5).json()
        self.assertEqual((f["date"], f["slot"], f["temperature_c"], f["symptoms"], f["by"],
                          f["source"]), (TODAY, "am", 36.5, [], "official", "team"))
        self.assertError(self.fill(oid, TODAY, "am", 36.6, status=409), 409)
        self.assertEqual([x for x in self.get_obs(oid)["followups"]
                          if x["date"] == TODAY and x["slot"] == "am"][0]["temperature_c"], 36.5)
        missed = self.s["official"].get("/api/v1/followups/missed?date=%s&slot=pm" % TODAY)
        self.assertNotIn(oid, [f["observation_id"] for f in missed.json()["items"]])
        self.assertEqual(self.open_reviews(oid), [], "a normal follow-up raises no review")

        # bad follow-ups
        for over, field in (({"slot": "noon"}, "slot"), ({"temperature_c": 33.0}, "temperature_c"),
                            ({"temperature_c": "37"}, "temperature_c"),
                            ({"symptoms": ["sneezing"]}, "symptoms"),
                            ({"date": day(1)}, "date"), ({"date": "today"}, "date")):
            body = {"date": TODAY, "slot": "pm", "temperature_c": 36.5}
            body.update(over)
            r = self.s["official"].post("/api/v1/observations/%d/followups" % oid, body)
            self.assertError(r, 400, field=field)
        r = self.fill(oid, day(-1), "pm", 36.5, status=404)   # before the observation
        self.assertEqual(r.json()["error"]["field"], "date")

        # a fever in the evening raises a suspected-case review
        f = self.fill(oid, TODAY, "pm", 38.1).json()
        self.assertEqual(f["temperature_c"], 38.1)
        mark = self.s["admin"].get("/api/v1/audit?limit=1").json()["items"][0]["id"]
        reviews = self.open_reviews(oid)
        self.assertEqual(len(reviews), 1)
        rv = reviews[0]
        with self.subTest("reading the review list (names) is audited"):
            items = self.s["admin"].get("/api/v1/audit?limit=100").json()["items"]
            self.assertTrue([a for a in items if a["id"] > mark and a["action"] == "read"
                             and a["object_id"] == str(b["id"])],
                            "GET /reviews showed %s and left no read in the audit log"
                            % b["name"])
        self.assertEqual((rv["subject_id"], rv["date"], rv["resolved_at"], rv["case_id"]),
                         (b["id"], TODAY, None, None))
        # the reason is given in both languages
        self.assertIn("38.1", rv["reason"]["en"])
        self.assertIn("38.1", rv["reason"]["zh"])
        # no release while it is open (R8.3), even with a reason
        self.assertError(self.release(oid, status=409, reason="期满"), 409)
        self.assertEqual(self.get_obs(oid)["status"], "open")
        # resolving: bad outcome, case_opened without this person's case
        r = self.s["official"].post("/api/v1/reviews/%d/resolve" % rv["id"], {"outcome": "ok"})
        self.assertError(r, 400, field="outcome")
        r = self.s["official"].post("/api/v1/reviews/%d/resolve" % rv["id"],
                                    {"outcome": "case_opened"})
        self.assertError(r, 400, field="case_id")
        r = self.s["office"].post("/api/v1/reviews/%d/resolve" % rv["id"],
                                  {"outcome": "dismissed"})
        self.assertError(r, 403)
        r = self.s["official"].post("/api/v1/reviews/%d/resolve" % rv["id"],
                                    {"outcome": "dismissed"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["outcome"], "dismissed")
        r = self.s["official"].post("/api/v1/reviews/%d/resolve" % rv["id"],
                                    {"outcome": "dismissed"})
        self.assertError(r, 409)
        self.assertEqual(self.open_reviews(oid), [])
        closed = self.s["official"].get("/api/v1/reviews?open=0").json()["items"]
        self.assertIn(("dismissed", rv["id"]), [(x["outcome"], x["id"]) for x in closed])
        # then release is possible (before the end: with a reason)
        r = self.release(oid, reason="发热已排除新冠，提前解除")
        self.assertEqual(r.json()["status"], "released")

    def test_a_symptom_raises_a_review_and_a_case_resolves_it(self):
        _, b, x = self.contact_under_observation()
        oid = x["observation"]["id"]
        self.fill(oid, TODAY, "am", 36.6, symptoms=["cough"])
        reviews = self.open_reviews(oid)
        self.assertEqual(len(reviews), 1)
        self.assertIn("symptom", reviews[0]["reason"]["en"])
        self.assertIn("症状", reviews[0]["reason"]["zh"])
        # the contact becomes a suspected case; the review is resolved with it
        c = self.case(b["id"], "suspected", onset_date=TODAY)
        r = self.s["official"].post("/api/v1/reviews/%d/resolve" % reviews[0]["id"],
                                    {"outcome": "case_opened", "case_id": c["id"]})
        self.assertStatus(r, 200)
        # their observation became the case
        g = self.get_obs(oid)
        self.assertEqual(g["status"], "converted")

    def test_office_sees_its_own_people_only(self):
        reg = self.registry_subject()
        _, _, xr = self.contact_under_observation(subject=reg)
        _, _, xe = self.contact_under_observation()
        ids = [o["id"] for o in self.all_pages(self.s["office"], "/api/v1/observations")]
        self.assertIn(xr["observation"]["id"], ids)
        self.assertNotIn(xe["observation"]["id"], ids)
        self.get_obs(xr["observation"]["id"], self.s["office"])
        r = self.s["office"].get("/api/v1/observations/%d" % xe["observation"]["id"])
        self.assertError(r, 404)
        # the office fills its people's follow-ups
        f = self.fill(xr["observation"]["id"], TODAY, "am", 36.4, session=self.s["office"])
        self.assertEqual((f.json()["by"], f.json()["source"]), ("office", "team"))
        self.fill(xe["observation"]["id"], TODAY, "am", 36.4, session=self.s["office"],
                  status=404)
        for who in ("analyst", "admin", "head"):
            self.assertError(self.s[who].get("/api/v1/observations"), 403)
            self.assertError(self.s[who].get("/api/v1/reviews"), 403)
            self.assertError(self.s[who].get("/api/v1/followups/missed"), 403)

    def test_observation_reads_are_audited(self):
        _, b, x = self.contact_under_observation()
        self.get_obs(x["observation"]["id"])
        items = self.s["admin"].get("/api/v1/audit?limit=200").json()["items"]
        self.assertTrue([a for a in items if a["action"] == "read"
                         and a["object_type"] == "observation"
                         and a["object_id"] == str(b["id"]) and a["username"] == "official"])

    # ---- the staff member's own observation ------------------------------------------

    def test_staff_sees_own_observation_only(self):
        staff = self.s["staff"]
        r = staff.get("/api/v1/observations")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual([o["id"] for o in items], [self.staff_obs["id"]])
        self.assertEqual((items[0]["person_id"], items[0]["end_date"]),
                         (fk.STAFF_PERSON, day(13)))
        g = self.get_obs(self.staff_obs["id"], staff)
        self.assertEqual(len(g["followups"]), 2 * 13)
        # somebody else's observation is not found
        _, _, x = self.contact_under_observation()
        self.assertError(staff.get("/api/v1/observations/%d" % x["observation"]["id"]), 404)
        self.fill(x["observation"]["id"], TODAY, "am", 36.5, session=staff, status=404)
        # they do not change it, nor see others' subjects, cases or reviews
        r = staff.post("/api/v1/observations/%d/release" % self.staff_obs["id"],
                       {"reason": "我没事"})
        self.assertError(r, 403)
        self.assertError(staff.get("/api/v1/subjects/%d" % self.staff_source["id"]), 404)
        self.assertStatus(staff.get("/api/v1/subjects/%d" % self.staff_subject["id"]), 200)
        self.assertError(staff.get("/api/v1/reviews"), 403)
        self.assertError(staff.get("/api/v1/cases"), 403)

    def test_staff_daily_report_fills_a_followup_and_a_fever_raises_a_review(self):
        staff, oid = self.s["staff"], self.staff_obs["id"]
        hour = time.gmtime(time.time() + 8 * 3600).tm_hour
        slot = "am" if hour < 12 else "pm"
        # the code before: yellow for the observation, green from its end
        code = staff.get("/api/v1/codes/me").json()
        self.assertEqual((code["colour"], code["rule"], code["green_from"]),
                         ("yellow", "observation", day(13)))
        r = staff.post("/api/v1/reports", {"temperature_c": 36.5, "region_code": "110108",
                                           "location": "home"})
        self.assertStatus(r, 201)
        hc = r.json()["health_code"]
        self.assertEqual((hc["colour"], hc["rule"], hc["green_from"]),
                         ("yellow", "observation", day(13)))
        g = self.get_obs(oid, staff)
        today = {f["slot"]: f for f in g["followups"] if f["date"] == TODAY}
        self.assertEqual(today[slot]["temperature_c"], 36.5)
        self.assertEqual((today[slot]["source"], today[slot]["by"]), ("report", "staff"))
        self.assertEqual(self.open_reviews(oid), [], "a normal report raises no review")

        # a fever report fills the other slot (if still open) and raises a review
        r = staff.post("/api/v1/reports", {"temperature_c": 38.2, "symptoms": ["fever"],
                                           "region_code": "110108", "location": "home"})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["health_code"]["colour"], "red")
        g = self.get_obs(oid, staff)
        filled = sorted(f["temperature_c"] for f in g["followups"]
                        if f["date"] == TODAY and f["filled_at"])
        self.assertEqual(filled, [36.5, 38.2] if slot == "am" else [36.5])
        reviews = self.open_reviews(oid)
        self.assertEqual(len(reviews), 1)
        self.assertEqual((reviews[0]["person_id"], reviews[0]["date"]), (fk.STAFF_PERSON, TODAY))
        # the office sees the review of its own person
        self.assertEqual(len(self.open_reviews(oid, self.s["office"])), 1)
        # staff fill their own follow-up directly (the morning one, if the
        # report went to the evening), never one of a day to come
        if slot == "pm":
            f = self.fill(oid, TODAY, "am", 36.7, session=staff).json()
            self.assertEqual((f["by"], f["source"]), ("staff", "self"))
        else:
            self.fill(oid, TODAY, "pm", 36.7, session=staff, status=409)
        self.fill(oid, day(1), "am", 36.5, session=staff, status=400)
        self.assertError(self.release(oid, status=409, reason="提前解除"), 409)

    # ---- health code ----------------------------------------------------------------

    def test_health_code_with_observation_and_case(self):
        reg = self.registry_subject()
        pid = reg["person_id"]
        _, _, x = self.contact_under_observation(last=-1, subject=reg)
        end = x["observation"]["end_date"]
        self.assertEqual(end, day(13))
        office = self.s["office"]
        code = office.get("/api/v1/people/%s/code" % pid)
        self.assertStatus(code, 200)
        code = code.json()
        self.assertEqual((code["colour"], code["rule"], code["green_from"]),
                         ("yellow", "observation", end))
        self.assertIn(end, code["reason"]["en"])
        # a confirmed case: red, and the observation became the case
        c = self.case(reg["id"], "confirmed", onset_date=TODAY)
        code = office.get("/api/v1/people/%s/code" % pid).json()
        self.assertEqual((code["colour"], code["rule"]), ("red", "case_confirmed"))
        self.assertEqual(self.get_obs(x["observation"]["id"])["status"], "converted")
        # recovered: yellow for 14 days after discharge
        r = self.s["official"].post("/api/v1/cases/%d/transitions" % c["id"],
                                    {"to": "recovered"})
        self.assertStatus(r, 200)
        code = office.get("/api/v1/people/%s/code" % pid).json()
        self.assertEqual((code["colour"], code["rule"], code["green_from"]),
                         ("yellow", "post_discharge", day(14)))

    def test_excluded_suspect_leaves_the_code_green(self):
        reg = self.registry_subject()
        c = self.case(reg["id"], "suspected", onset_date=TODAY)
        code = self.s["office"].get("/api/v1/people/%s/code" % reg["person_id"]).json()
        self.assertEqual((code["colour"], code["rule"]), ("red", "case_suspected"))
        r = self.s["official"].post("/api/v1/cases/%d/transitions" % c["id"],
                                    {"to": "excluded"})
        self.assertStatus(r, 200)
        code = self.s["office"].get("/api/v1/people/%s/code" % reg["person_id"]).json()
        self.assertEqual(code["colour"], "green")

    # ---- the QR code and the gate -----------------------------------------------------

    def qr_token(self, svg):
        """Render the SVG and scan it; None if the tools are missing."""
        rsvg, zbar = shutil.which("rsvg-convert"), shutil.which("zbarimg")
        if not rsvg or not zbar:
            return None
        with tempfile.TemporaryDirectory(dir=fk.TMP) as d:
            src, png = os.path.join(d, "code.svg"), os.path.join(d, "code.png")
            with open(src, "wb") as f:
                f.write(svg)
            subprocess.run([rsvg, "--background-color=white", "-w", "600", "-o", png, src],
                           check=True, capture_output=True, timeout=60)
            r = subprocess.run([zbar, "--raw", "-q", png], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, "zbarimg found no code: %s" % r.stderr)
            return r.stdout.strip()

    def test_qr_code_svg(self):
        r = self.s["staff"].get("/api/v1/codes/me/qr.svg")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type", "").startswith("image/svg+xml"),
                        r.header("Content-Type"))
        self.assertIn(b"<svg", r.body[:400])
        self.assertTrue(r.body.rstrip().endswith(b"</svg>"))
        self.assertNotIn(fk.STAFF_PERSON.encode(), r.body)
        # a login without a person has no code
        self.assertError(self.s["official"].get("/api/v1/codes/me/qr.svg"), 403)
        self.assertError(self.s["office"].get("/api/v1/codes/me/qr.svg"), 404)
        self.assertError(self.req("GET", "/api/v1/codes/me/qr.svg"), 401)

    def test_qr_token_verifies_at_the_gate(self):
        r = self.s["staff"].get("/api/v1/codes/me/qr.svg")
        self.assertStatus(r, 200)
        token = self.qr_token(r.body)
        if token is None:
            self.skipTest("rsvg-convert or zbarimg not installed: cannot scan the QR code")
        colour = self.s["staff"].get("/api/v1/codes/me").json()["colour"]
        # a gate checks it without signing in; the answer names no one
        v = self.req("GET", "/api/v1/codes/verify?token=" + urllib.parse.quote(token))
        self.assertStatus(v, 200)
        body = v.json()
        self.assertLessEqual(set(body), VERIFY_FIELDS, body)
        self.assertTrue(body["valid"], body)
        self.assertEqual(body["reason"], "ok")
        self.assertEqual(body["colour"], colour)
        self.assertTrue(time.time() + 200 < body["expires_at"] <= time.time() + 301, body)
        for leak in (fk.STAFF_PERSON, "person", "name", "id"):
            self.assertNotIn(leak, body)
        self.assertNotIn(fk.STAFF_PERSON, v.text)
        # one character changed: not valid
        mid = len(token) // 2
        forged = token[:mid] + ("A" if token[mid] != "A" else "B") + token[mid + 1:]
        v = self.req("GET", "/api/v1/codes/verify?token=" + urllib.parse.quote(forged))
        self.assertStatus(v, 200)
        self.assertFalse(v.json()["valid"])
        self.assertEqual(v.json()["reason"], "bad_signature")
        self.assertNotIn("colour", v.json())

    def test_verify_garbage_needs_no_sign_in(self):
        for token in ("garbage", "", "A" * 120, "%00%ff"):
            v = self.req("GET", "/api/v1/codes/verify?token=" + token)
            self.assertStatus(v, 200)
            body = v.json()
            self.assertIs(body["valid"], False, body)
            self.assertIn(body["reason"], ("malformed", "bad_signature"))
            self.assertLessEqual(set(body), {"valid", "reason"}, body)
        v = self.req("GET", "/api/v1/codes/verify")
        self.assertStatus(v, 200)
        self.assertIs(v.json()["valid"], False)


if __name__ == "__main__":
    unittest.main()
