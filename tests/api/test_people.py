"""People: CRUD by the office, each role's scope, strict input, the audit log."""

import json
import unittest

import fk

PERSON_FIELDS = ("id", "name", "kind", "department_id", "department", "phone",
                 "community", "region_code", "updated_at")


class PeopleTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        office = cls.s["office"]
        r = office.get("/api/v1/departments")
        assert r.status == 200, r
        cls.departments = {d["id"]: d for d in r.json()["items"]}
        cls.by_name = {d["name"]: d for d in cls.departments.values()}
        # the office sees everyone: the reference for every other scope
        everyone, after = [], None
        while True:
            r = office.get("/api/v1/people?limit=100" + ("&after=" + after if after else ""))
            assert r.status == 200, r
            body = r.json()
            everyone.extend(body["items"])
            after = body["next"]
            if after is None:
                break
        cls.everyone = {p["id"]: p for p in everyone}
        cls.some_department = cls.by_name[fk.HEAD_DEPARTMENT]

    def body(self, pid, **over):
        b = {"id": pid, "name": "测试人员", "kind": "visitor",
             "department_id": self.some_department["id"], "phone": "13800138000",
             "community": "中关村社区", "region_code": "110108"}
        b.update(over)
        return {k: v for k, v in b.items() if v is not None}

    def assertAbsent(self, pid):
        r = self.s["office"].get("/api/v1/people/" + pid)
        self.assertError(r, 404, "not_found")

    # ---- CRUD by the office -----------------------------------------------

    def test_office_creates_reads_updates_deletes(self):
        s = self.s["office"]
        r = s.post("/api/v1/people", self.body("T-CRUD.1", name="王小明", kind="postdoc"))
        self.assertStatus(r, 201)
        p = r.json()
        for k in PERSON_FIELDS:
            self.assertIn(k, p)
        self.assertEqual(p["id"], "T-CRUD.1")
        self.assertEqual(p["name"], "王小明")
        self.assertEqual(p["kind"], "postdoc")
        self.assertEqual(p["department_id"], self.some_department["id"])
        self.assertEqual(p["department"], fk.HEAD_DEPARTMENT)
        self.assertEqual(p["phone"], "13800138000")
        self.assertEqual(p["community"], "中关村社区")
        self.assertEqual(p["region_code"], "110108")

        r = s.get("/api/v1/people/T-CRUD.1")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), p)

        other = next(d for d in self.departments.values() if d["id"] != p["department_id"])
        r = s.put("/api/v1/people/T-CRUD.1",
                  self.body("T-CRUD.1", name="王晓明", kind="staff", department_id=other["id"],
                            phone="", community="", region_code="420106"))
        self.assertStatus(r, 200)
        q = r.json()
        self.assertEqual((q["name"], q["kind"], q["department_id"], q["department"],
                          q["phone"], q["community"], q["region_code"]),
                         ("王晓明", "staff", other["id"], other["name"], "", "", "420106"))
        self.assertEqual(s.get("/api/v1/people/T-CRUD.1").json(), q)

        # the id in a PUT body is optional
        b = self.body(None, name="王晓明二")
        r = s.put("/api/v1/people/T-CRUD.1", b)
        self.assertStatus(r, 200)
        self.assertEqual(s.get("/api/v1/people/T-CRUD.1").json()["name"], "王晓明二")

        r = s.delete("/api/v1/people/T-CRUD.1")
        self.assertStatus(r, 204)
        self.assertAbsent("T-CRUD.1")
        self.assertError(s.delete("/api/v1/people/T-CRUD.1"), 404, "not_found")

    def test_create_by_department_name(self):
        s = self.s["office"]
        dep = next(d for d in self.departments.values() if d["name"] != fk.HEAD_DEPARTMENT)
        r = s.post("/api/v1/people", self.body("T-BYNAME", department_id=None, department=dep["name"]))
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["department_id"], dep["id"])
        self.assertEqual(s.get("/api/v1/people/T-BYNAME").json()["department"], dep["name"])

    def test_optional_fields_may_be_omitted(self):
        s = self.s["office"]
        r = s.post("/api/v1/people", self.body("T-MIN", phone=None, community=None))
        self.assertStatus(r, 201)
        p = s.get("/api/v1/people/T-MIN").json()
        self.assertEqual((p["phone"], p["community"]), ("", ""))

    def test_name_of_64_chinese_characters_is_accepted(self):
        name = "张" * 64
        r = self.s["office"].post("/api/v1/people", self.body("T-LONG64", name=name))
        self.assertStatus(r, 201)
        self.assertEqual(self.s["office"].get("/api/v1/people/T-LONG64").json()["name"], name)

    def test_charset_in_content_type_is_accepted(self):
        r = self.s["office"].post("/api/v1/people", self.body("T-CHARSET"),
                                  content_type="application/json; charset=utf-8")
        self.assertStatus(r, 201)

    def test_update_and_delete_of_unknown_person_are_404(self):
        s = self.s["office"]
        self.assertError(s.put("/api/v1/people/NO-SUCH", self.body("NO-SUCH")), 404, "not_found")
        self.assertError(s.delete("/api/v1/people/NO-SUCH"), 404, "not_found")
        self.assertError(s.get("/api/v1/people/NO-SUCH"), 404, "not_found")
        self.assertAbsent("NO-SUCH")

    def test_ids_are_matched_exactly(self):
        s = self.s["office"]
        pid = sorted(self.everyone)[5]
        self.assertStatus(s.get("/api/v1/people/" + pid), 200)
        for other in (pid.lower() if pid.lower() != pid else pid.upper(), pid + "%20",
                      pid + "%00x", pid + "x", "%20" + pid):
            with self.subTest(other=other):
                self.assertError(s.get("/api/v1/people/" + other), 404, "not_found")
        with self.subTest("staff, own id with a NUL appended"):
            r = self.s["staff"].get("/api/v1/people/" + fk.STAFF_PERSON + "%00x")
            self.assertError(r, 404, "not_found")
        with self.subTest("a delete of another id must not remove this one"):
            self.assertStatus(s.post("/api/v1/people", self.body("T-EXACT")), 201)
            self.assertError(s.delete("/api/v1/people/T-EXACT%00x"), 404, "not_found")
            self.assertStatus(s.get("/api/v1/people/T-EXACT"), 200)

    def test_person_with_a_login_cannot_be_deleted(self):
        s = self.s["office"]
        r = s.delete("/api/v1/people/" + fk.STAFF_PERSON)
        self.assertError(r, 409, "conflict")
        self.assertStatus(s.get("/api/v1/people/" + fk.STAFF_PERSON), 200)
        body = self.s["staff"].get("/api/v1/people").json()
        self.assertEqual([p["id"] for p in body["items"]], [fk.STAFF_PERSON])

    def test_put_with_other_id_in_body_is_400(self):
        s = self.s["office"]
        self.assertStatus(s.post("/api/v1/people", self.body("T-PUTID", name="原名")), 201)
        r = s.put("/api/v1/people/T-PUTID", self.body("T-OTHER", name="改名"))
        self.assertError(r, 400, "invalid", "id")
        self.assertEqual(s.get("/api/v1/people/T-PUTID").json()["name"], "原名")
        self.assertAbsent("T-OTHER")

    def test_duplicate_id_is_409_and_keeps_the_original(self):
        s = self.s["office"]
        self.assertStatus(s.post("/api/v1/people", self.body("T-DUP", name="第一")), 201)
        r = s.post("/api/v1/people", self.body("T-DUP", name="第二"))
        self.assertError(r, 409, "conflict")
        self.assertEqual(s.get("/api/v1/people/T-DUP").json()["name"], "第一")
        # and a demo person too
        r = s.post("/api/v1/people", self.body(fk.STAFF_PERSON, name="冒名"))
        self.assertError(r, 409, "conflict")
        self.assertNotEqual(s.get("/api/v1/people/" + fk.STAFF_PERSON).json()["name"], "冒名")

    def test_listing_pages_through_everyone_once(self):
        s = self.s["office"]
        self.assertGreaterEqual(len(self.everyone), 250, "demo should hold ~300 people")
        r = s.get("/api/v1/people?limit=7")
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(len(body["items"]), 7)
        self.assertEqual(body["next"], body["items"][-1]["id"])
        r2 = s.get("/api/v1/people?limit=7&after=" + body["next"])
        ids2 = [p["id"] for p in r2.json()["items"]]
        self.assertTrue(all(i not in {p["id"] for p in body["items"]} for i in ids2))
        for p in r.json()["items"]:
            for k in PERSON_FIELDS:
                self.assertIn(k, p)
        pages = self.all_people(s, limit=37)
        ids = [p["id"] for p in pages]
        self.assertEqual(len(ids), len(set(ids)), "a person listed twice")
        # people made by other tests come and go; the demo ones stay
        self.assertTrue(set(self.everyone) <= set(ids))

    def test_bad_paging_parameters_are_400(self):
        s = self.s["office"]
        self.assertError(s.get("/api/v1/people?limit=abc"), 400, "invalid", "limit")
        self.assertError(s.get("/api/v1/people?limit=-1"), 400, "invalid", "limit")

    # ---- scope ------------------------------------------------------------

    def test_staff_sees_only_own_person(self):
        s = self.s["staff"]
        r = s.get("/api/v1/people")
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual([p["id"] for p in body["items"]], [fk.STAFF_PERSON])
        self.assertIsNone(body["next"])
        r = s.get("/api/v1/people/" + fk.STAFF_PERSON)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), self.everyone[fk.STAFF_PERSON])
        other = next(i for i in sorted(self.everyone) if i != fk.STAFF_PERSON)
        self.assertError(s.get("/api/v1/people/" + other), 404, "not_found")
        # refused the same way as an id that does not exist: no existence leak
        self.assertError(s.get("/api/v1/people/NO-SUCH-ID"), 404, "not_found")

    def test_staff_cannot_write_even_own_person(self):
        s = self.s["staff"]
        own = dict(self.everyone[fk.STAFF_PERSON])
        body = {k: own[k] for k in ("id", "name", "kind", "department_id", "phone",
                                    "community", "region_code")}
        body["name"] = "自改"
        self.assertIn(s.put("/api/v1/people/" + fk.STAFF_PERSON, body).status, (403, 404))
        self.assertIn(s.delete("/api/v1/people/" + fk.STAFF_PERSON).status, (403, 404))
        self.assertError(s.post("/api/v1/people", self.body("T-STAFFMADE")), 403, "forbidden")
        self.assertEqual(self.s["office"].get("/api/v1/people/" + fk.STAFF_PERSON).json()["name"],
                         own["name"])
        self.assertAbsent("T-STAFFMADE")

    def _subtree_ids(self, root_id):
        root = self.departments[root_id]
        return {d["id"] for d in self.departments.values() if d["path"].startswith(root["path"])}

    def test_dept_head_sees_own_subtree(self):
        s = self.s["head"]
        dep_id = s.user["department_id"]
        self.assertEqual(self.departments[dep_id]["name"], fk.HEAD_DEPARTMENT)
        subtree = self._subtree_ids(dep_id)
        listed = {p["id"] for p in self.all_people(s)}
        expected = {i for i, p in self.everyone.items() if p["department_id"] in subtree}
        self.assertTrue(expected, "the demo head's department should have people")
        self.assertTrue(expected <= listed, "missing: %r" % sorted(expected - listed)[:5])
        for pid in listed:
            r = self.s["office"].get("/api/v1/people/" + pid)
            if r.status == 200:
                self.assertIn(r.json()["department_id"], subtree, pid)
        outside = sorted(i for i, p in self.everyone.items() if p["department_id"] not in subtree)
        self.assertTrue(outside)
        self.assertError(s.get("/api/v1/people/" + outside[0]), 404, "not_found")
        inside = sorted(expected)[0]
        self.assertStatus(s.get("/api/v1/people/" + inside), 200)
        self.assertError(s.post("/api/v1/people", self.body("T-HEADMADE")), 403, "forbidden")
        self.assertAbsent("T-HEADMADE")

    def test_official_sees_own_region_prefix(self):
        s = self.s["official"]
        listed = self.all_people(s)
        self.assertTrue(listed, "demo should have people living in Beijing (11....)")
        for p in listed:
            self.assertTrue(p["region_code"].startswith(fk.OFFICIAL_PREFIX), p)
        expected = {i for i, p in self.everyone.items()
                    if p["region_code"].startswith(fk.OFFICIAL_PREFIX)}
        self.assertTrue(expected <= {p["id"] for p in listed})
        outside = sorted(i for i, p in self.everyone.items()
                         if not p["region_code"].startswith(fk.OFFICIAL_PREFIX))
        self.assertTrue(outside)
        self.assertError(s.get("/api/v1/people/" + outside[0]), 404, "not_found")
        self.assertStatus(s.get("/api/v1/people/" + sorted(expected)[0]), 200)
        self.assertError(s.post("/api/v1/people", self.body("T-OFFICIALMADE")), 403, "forbidden")
        self.assertAbsent("T-OFFICIALMADE")

    def test_analyst_and_admin_may_not_touch_people(self):
        for who in ("analyst", "admin"):
            s = self.s[who]
            with self.subTest(who):
                self.assertError(s.get("/api/v1/people"), 403, "forbidden")
                self.assertError(s.get("/api/v1/people/" + fk.STAFF_PERSON), 403, "forbidden")
                self.assertError(s.get("/api/v1/people/export"), 403, "forbidden")
                self.assertError(s.post("/api/v1/people", self.body("T-" + who)), 403, "forbidden")
                self.assertError(s.delete("/api/v1/people/" + fk.STAFF_PERSON), 403, "forbidden")
                self.assertAbsent("T-" + who)
        self.assertStatus(self.s["office"].get("/api/v1/people/" + fk.STAFF_PERSON), 200)

    # ---- strict input -----------------------------------------------------

    def assertRejected(self, r, pid, field, status=400, code="invalid"):
        self.assertError(r, status, code, field)
        self.assertAbsent(pid)

    def test_malformed_json_is_400(self):
        s = self.s["office"]
        for raw in ('{"id":"T-BAD1","name":"x",', '{"id":"T-BAD1"} trailing', "[1,2",
                    '{"id":"T-BAD1",}', "", "\xff\xfe"):
            with self.subTest(raw=raw):
                r = s.post("/api/v1/people", raw=raw.encode("latin-1") if raw == "\xff\xfe" else raw,
                           content_type="application/json")
                self.assertRejected(r, "T-BAD1", None)

    def test_non_object_json_is_400(self):
        for raw in ("[]", '"T-BAD2"', "null", "42"):
            with self.subTest(raw=raw):
                r = self.s["office"].post("/api/v1/people", raw=raw, content_type="application/json")
                self.assertRejected(r, "T-BAD2", None)

    def test_duplicate_key_is_400_naming_it(self):
        b = self.body("T-BAD3")
        raw = json.dumps(b, ensure_ascii=False)[:-1] + ', "name": "另一个名字"}'
        r = self.s["office"].post("/api/v1/people", raw=raw, content_type="application/json")
        self.assertRejected(r, "T-BAD3", "name")

    def test_unknown_field_is_400_naming_it(self):
        r = self.s["office"].post("/api/v1/people", self.body("T-BAD4", nickname="小王"))
        self.assertRejected(r, "T-BAD4", "nickname")

    def test_wrong_types_are_400_naming_the_field(self):
        cases = {"name": 5, "kind": 1, "department_id": str(self.some_department["id"]),
                 "phone": 13800138000, "community": ["a"], "region_code": 110108}
        for field, value in cases.items():
            with self.subTest(field=field):
                r = self.s["office"].post("/api/v1/people", self.body("T-BAD5", **{field: value}))
                self.assertRejected(r, "T-BAD5", field)
        r = self.s["office"].post("/api/v1/people", self.body(None) | {"id": 7})
        self.assertError(r, 400, "invalid", "id")

    def test_over_long_strings_are_400_naming_the_field(self):
        cases = {"name": "张" * 65, "community": "区" * 101, "phone": "1" * 30, }
        for field, value in cases.items():
            with self.subTest(field=field):
                r = self.s["office"].post("/api/v1/people", self.body("T-BAD6", **{field: value}))
                self.assertRejected(r, "T-BAD6", field)
        long_id = "T" + "1" * 40
        r = self.s["office"].post("/api/v1/people", self.body(long_id))
        self.assertError(r, 400, "invalid", "id")

    def test_bad_ids_are_400(self):
        for pid in ("T BAD7", "T/BAD7", "", "张三"):
            with self.subTest(pid=pid):
                r = self.s["office"].post("/api/v1/people", self.body(pid))
                self.assertError(r, 400, "invalid", "id")

    def test_empty_name_is_400(self):
        r = self.s["office"].post("/api/v1/people", self.body("T-BAD8", name=""))
        self.assertRejected(r, "T-BAD8", "name")

    def test_region_codes_must_exist(self):
        for code in ("119999", "12ab56", "11010", "1101081", "000000", ""):
            with self.subTest(code=code):
                r = self.s["office"].post("/api/v1/people", self.body("T-BAD9", region_code=code))
                self.assertRejected(r, "T-BAD9", "region_code")
        # a rejected update leaves the record as it was
        s = self.s["office"]
        self.assertStatus(s.post("/api/v1/people", self.body("T-REGION")), 201)
        r = s.put("/api/v1/people/T-REGION", self.body("T-REGION", region_code="119999"))
        self.assertError(r, 400, "invalid", "region_code")
        self.assertEqual(s.get("/api/v1/people/T-REGION").json()["region_code"], "110108")

    def test_unknown_kind_is_400(self):
        for kind in ("teacher", "Staff", ""):
            with self.subTest(kind=kind):
                r = self.s["office"].post("/api/v1/people", self.body("T-BAD10", kind=kind))
                self.assertRejected(r, "T-BAD10", "kind")

    def test_missing_required_fields_are_400_naming_them(self):
        for field in ("name", "kind", "region_code"):
            with self.subTest(field=field):
                r = self.s["office"].post("/api/v1/people", self.body("T-BAD11", **{field: None}))
                self.assertRejected(r, "T-BAD11", field)
        r = self.s["office"].post("/api/v1/people", self.body(None))
        self.assertError(r, 400, "invalid", "id")
        r = self.s["office"].post("/api/v1/people", self.body("T-BAD11", department_id=None))
        self.assertError(r, 400, "invalid")
        self.assertIn(r.json()["error"].get("field"), ("department_id", "department"))
        self.assertAbsent("T-BAD11")

    def test_unknown_department_is_400(self):
        r = self.s["office"].post("/api/v1/people", self.body("T-BAD12", department_id=987654))
        self.assertRejected(r, "T-BAD12", "department_id")
        r = self.s["office"].post("/api/v1/people",
                                  self.body("T-BAD12", department_id=None, department="没有这个部门"))
        self.assertRejected(r, "T-BAD12", "department")

    def test_body_over_64_kib_is_413(self):
        raw = json.dumps(self.body("T-BAD13"), ensure_ascii=False) + " " * (65 * 1024)
        r = self.s["office"].post("/api/v1/people", raw=raw, content_type="application/json")
        self.assertRejected(r, "T-BAD13", None, 413, "too_large")
        # just under the limit is fine
        raw = json.dumps(self.body("T-JUSTFITS"), ensure_ascii=False)
        raw += " " * (64 * 1024 - len(raw.encode()))
        r = self.s["office"].post("/api/v1/people", raw=raw, content_type="application/json")
        self.assertStatus(r, 201)

    def test_wrong_content_type_is_415(self):
        for i, ctype in enumerate(("text/plain", "application/x-www-form-urlencoded", "text/csv",
                                   "application/jsonp", None)):
            pid = "T-BAD14-%d" % i
            raw = json.dumps(self.body(pid), ensure_ascii=False)
            with self.subTest(ctype=ctype):
                r = self.s["office"].post("/api/v1/people", raw=raw, content_type=ctype)
                self.assertRejected(r, pid, None, 415, "unsupported_media_type")
        self.assertStatus(self.s["office"].post("/api/v1/people", self.body("T-BAD14-OK")), 201)
        raw = json.dumps(self.body("T-BAD14-OK", name="改名"), ensure_ascii=False)
        r = self.s["office"].put("/api/v1/people/T-BAD14-OK", raw=raw, content_type="text/plain")
        self.assertError(r, 415, "unsupported_media_type")
        self.assertEqual(self.s["office"].get("/api/v1/people/T-BAD14-OK").json()["name"], "测试人员")

    # ---- audit ------------------------------------------------------------

    def audit(self, limit=200):
        r = self.s["admin"].get("/api/v1/audit?limit=%d" % limit)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def test_reading_a_person_is_audited(self):
        pid = sorted(i for i in self.everyone if i != fk.STAFF_PERSON)[3]
        self.assertStatus(self.s["office"].get("/api/v1/people/" + pid), 200)
        items = self.audit()
        hits = [e for e in items if e["action"] == "read" and e["object_type"] == "person"
                and e["object_id"] == pid]
        self.assertTrue(hits, "no audit entry for office reading %s" % pid)
        e = hits[0]
        self.assertEqual(e["username"], "office")
        self.assertEqual(e["role"], "office")
        self.assertEqual(e["user_id"], self.s["office"].user["id"])
        self.assertTrue(e["address"])
        for k in ("id", "at", "user_id", "username", "role", "address", "action",
                  "object_type", "object_id", "detail"):
            self.assertIn(k, e)

    def test_changes_are_audited(self):
        s = self.s["office"]
        self.assertStatus(s.post("/api/v1/people", self.body("T-AUDIT")), 201)
        self.assertStatus(s.put("/api/v1/people/T-AUDIT", self.body("T-AUDIT", name="改")), 200)
        self.assertStatus(s.delete("/api/v1/people/T-AUDIT"), 204)
        actions = {e["action"] for e in self.audit()
                   if e["object_type"] == "person" and e["object_id"] == "T-AUDIT"
                   and e["username"] == "office"}
        self.assertTrue({"create", "update", "delete"} <= actions, actions)

    def test_listing_is_audited_with_the_ids_shown(self):
        self.assertStatus(self.s["staff"].get("/api/v1/people"), 200)
        hits = [e for e in self.audit() if e["username"] == "staff"
                and e["object_type"] == "person"
                and (e["object_id"] == fk.STAFF_PERSON or fk.STAFF_PERSON in e["detail"])]
        self.assertTrue(hits, "staff listing their own record left no audit entry naming it")

    def test_audit_pages_newest_first(self):
        s = self.s["admin"]
        r = s.get("/api/v1/audit?limit=3")
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(len(body["items"]), 3)
        ids = [e["id"] for e in body["items"]]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertIsNotNone(body["next"])
        r = s.get("/api/v1/audit?limit=3&before=%d" % body["next"])
        self.assertStatus(r, 200)
        older = [e["id"] for e in r.json()["items"]]
        self.assertTrue(older)
        self.assertTrue(all(i < min(ids) for i in older), (ids, older))

    def test_audit_is_admin_only(self):
        for who in ("office", "staff", "head", "official", "analyst"):
            with self.subTest(who):
                self.assertError(self.s[who].get("/api/v1/audit"), 403, "forbidden")
        self.assertError(self.req("GET", "/api/v1/audit"), 401, "unauthenticated")


if __name__ == "__main__":
    unittest.main()
