"""Importing and exporting people as CSV, over HTTP and on the command line."""

import csv
import io
import os
import unittest

import fk

HEADER = ["id", "name", "kind", "department", "phone", "community", "region_code"]


def make_csv(rows, header=HEADER, newline="\n"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    return buf.getvalue()


def row(pid, name="导入人员", kind="student", department="科研一部", phone="13900000000",
        community="海淀社区", region_code="110108"):
    return [pid, name, kind, department, phone, community, region_code]


def parse_csv(text):
    return list(csv.reader(io.StringIO(text)))


class ImportTest(fk.ServerTestCase):
    LOGINS = ("office", "head", "admin", "staff", "official", "analyst")

    def import_csv(self, text, partial=False, session=None, ctype="text/csv"):
        path = "/api/v1/people/import" + ("?partial=1" if partial else "")
        return (session or self.s["office"]).post(path, raw=text.encode("utf-8"),
                                                  content_type=ctype)

    def person(self, pid):
        r = self.s["office"].get("/api/v1/people/" + pid)
        return r.json() if r.status == 200 else None

    def assertAbsent(self, *pids):
        for pid in pids:
            r = self.s["office"].get("/api/v1/people/" + pid)
            self.assertError(r, 404, "not_found")

    def department_names(self):
        r = self.s["office"].get("/api/v1/departments")
        self.assertStatus(r, 200)
        return {d["name"] for d in r.json()["items"]}

    def problem_cells(self, body):
        return {(p["row"], p["column"]) for p in body["problems"]}

    # ---- HTTP import ------------------------------------------------------

    def test_good_csv_is_stored_whole(self):
        text = make_csv([
            row("I-GOOD-1", name="李雷", kind="staff", department="导入新部门甲"),
            row("I-GOOD-2", name="韩梅梅", kind="postdoc", department="导入新部门甲",
                community="中关村, 东区", phone=""),
            row("I-GOOD-3", name='张 "小" 三', kind="visitor", department="科研一部",
                region_code="420106"),
        ], newline="\r\n")
        r = self.import_csv(text)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(body["rows"], 3)
        self.assertEqual(body["imported"], 3)
        self.assertEqual(body["departments_created"], 1)
        self.assertEqual(body["problems"], [])
        p1, p2, p3 = (self.person("I-GOOD-%d" % i) for i in (1, 2, 3))
        self.assertEqual((p1["name"], p1["kind"], p1["department"], p1["region_code"]),
                         ("李雷", "staff", "导入新部门甲", "110108"))
        self.assertEqual((p2["community"], p2["phone"], p2["department"]),
                         ("中关村, 东区", "", "导入新部门甲"))
        self.assertEqual((p3["name"], p3["department"], p3["region_code"]),
                         ('张 "小" 三', "科研一部", "420106"))
        self.assertIn("导入新部门甲", self.department_names())

    def test_one_bad_row_stores_nothing(self):
        text = make_csv([
            row("I-ALL-1", department="导入新部门乙"),
            row("I-ALL-2"),
            row("I-ALL-3", region_code="119999"),   # row 4: no such region
            row("I-ALL-4"),
        ])
        r = self.import_csv(text)
        self.assertError(r, 400, "invalid")
        body = r.json()
        self.assertEqual([(p["row"], p["column"]) for p in body["problems"]], [(4, "region_code")])
        self.assertTrue(body["problems"][0]["message"])
        self.assertAbsent("I-ALL-1", "I-ALL-2", "I-ALL-3", "I-ALL-4")
        self.assertNotIn("导入新部门乙", self.department_names())

    def test_import_is_audited_per_person(self):
        text = make_csv([row("I-AUD-1"), row("I-AUD-2")])
        self.assertStatus(self.import_csv(text), 200)
        r = self.s["admin"].get("/api/v1/audit?limit=100")
        self.assertStatus(r, 200)
        named = {e["object_id"] for e in r.json()["items"]
                 if e["username"] == "office" and e["object_type"] == "person"}
        self.assertTrue({"I-AUD-1", "I-AUD-2"} <= named, "imported people missing from the audit log")

    def test_every_bad_row_is_listed(self):
        text = make_csv([
            row("I-MANY-1"),
            row("I-MANY-2", kind="teacher"),          # row 3
            row("I-MANY-3"),
            row("I-MANY-4", name=""),                 # row 5
            row("I-MANY-5", region_code="12ab56"),    # row 6
            row("I-MANY 6"),                          # row 7: bad id
        ])
        r = self.import_csv(text)
        self.assertError(r, 400, "invalid")
        self.assertEqual(self.problem_cells(r.json()),
                         {(3, "kind"), (5, "name"), (6, "region_code"), (7, "id")})
        self.assertAbsent("I-MANY-1", "I-MANY-3")

    def test_partial_stores_the_good_rows(self):
        text = make_csv([
            row("I-PART-1", department="导入新部门丙"),
            row("I-PART-2", kind="alien"),            # row 3
            row("I-PART-3"),
        ])
        r = self.import_csv(text, partial=True)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(body["rows"], 3)
        self.assertEqual(body["imported"], 2)
        self.assertEqual([(p["row"], p["column"]) for p in body["problems"]], [(3, "kind")])
        self.assertIsNotNone(self.person("I-PART-1"))
        self.assertIsNotNone(self.person("I-PART-3"))
        self.assertAbsent("I-PART-2")
        self.assertIn("导入新部门丙", self.department_names())

    def test_partial_creates_no_department_for_a_bad_row(self):
        text = make_csv([row("I-PDEP-1"), row("I-PDEP-2", kind="alien", department="幽灵部门")])
        r = self.import_csv(text, partial=True)
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["imported"], r.json()["departments_created"]), (1, 0))
        self.assertNotIn("幽灵部门", self.department_names())

    def test_id_already_stored_is_reported_or_updated_never_dropped(self):
        # The contract leaves open whether an import updates a stored
        # person or refuses the row; it may not answer 200 and ignore it.
        self.assertStatus(self.import_csv(make_csv([row("I-AGAIN", name="旧名")])), 200)
        r = self.import_csv(make_csv([row("I-AGAIN-2"), row("I-AGAIN", name="新名")]))
        if r.status == 200:
            self.assertEqual(self.person("I-AGAIN")["name"], "新名")
            self.assertIsNotNone(self.person("I-AGAIN-2"))
        else:
            self.assertError(r, 400, "invalid")
            self.assertEqual([p["row"] for p in r.json()["problems"]], [3])
            self.assertEqual(self.person("I-AGAIN")["name"], "旧名")
            self.assertAbsent("I-AGAIN-2")

    def test_utf8_bom_from_spreadsheets_is_accepted(self):
        text = "\ufeff" + make_csv([row("I-BOM-1", name="表格导出")], newline="\r\n")
        r = self.import_csv(text)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["imported"], 1)
        self.assertEqual(self.person("I-BOM-1")["name"], "表格导出")

    def test_header_only_imports_nothing(self):
        r = self.import_csv(make_csv([]))
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["rows"], r.json()["imported"]), (0, 0))

    def test_wrong_header_is_400(self):
        text = make_csv([row("I-HDR-1")[:6]], header=HEADER[:6])
        r = self.import_csv(text)
        self.assertError(r, 400, "invalid")
        self.assertAbsent("I-HDR-1")

    def test_short_row_is_a_bad_row(self):
        text = make_csv([row("I-SHORT-1"), row("I-SHORT-2")[:4]])
        r = self.import_csv(text)
        self.assertError(r, 400, "invalid")
        self.assertEqual([p["row"] for p in r.json()["problems"]], [3])
        self.assertAbsent("I-SHORT-1", "I-SHORT-2")

    def test_import_needs_csv_content_type(self):
        for i, ctype in enumerate(("application/json", "text/plain", "text/csvx")):
            pid = "I-CT-1-%d" % i
            with self.subTest(ctype=ctype):
                r = self.import_csv(make_csv([row(pid)]), ctype=ctype)
                self.assertError(r, 415, "unsupported_media_type")
                self.assertAbsent(pid)
        r = self.import_csv(make_csv([row("I-CT-2")]), ctype="text/csv; charset=utf-8")
        self.assertStatus(r, 200)
        self.assertIsNotNone(self.person("I-CT-2"))

    def test_import_is_office_only(self):
        text = make_csv([row("I-ROLE-1")])
        for who in ("head", "admin", "staff", "official", "analyst"):
            with self.subTest(who):
                self.assertError(self.import_csv(text, session=self.s[who]), 403, "forbidden")
        self.assertError(self.req("POST", "/api/v1/people/import", raw=text,
                                  content_type="text/csv"), 401, "unauthenticated")
        self.assertAbsent("I-ROLE-1")

    def test_csv_over_8_mib_is_413(self):
        line = ",".join(row("I-BIG-000000", community="社" * 40)) + "\n"
        n = (8 * 1024 * 1024) // len(line.encode()) + 50
        text = ",".join(HEADER) + "\n" + "".join(
            line.replace("I-BIG-000000", "I-BIG-%06d" % i) for i in range(n))
        self.assertGreater(len(text.encode()), 8 * 1024 * 1024)
        r = self.import_csv(text)
        self.assertError(r, 413, "too_large")
        self.assertAbsent("I-BIG-000000")

    # ---- HTTP export ------------------------------------------------------

    def test_export_includes_imported_people(self):
        text = make_csv([row("I-EXP-1", name="导出甲", community="学院路, 1号"),
                         row("I-EXP-2", name="导出乙", kind="visitor", phone="")])
        self.assertStatus(self.import_csv(text), 200)
        r = self.s["office"].get("/api/v1/people/export")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type", "").startswith("text/csv"), r.header("Content-Type"))
        rows = parse_csv(r.text)
        self.assertEqual(rows[0], HEADER)
        by_id = {x[0]: x for x in rows[1:]}
        self.assertEqual(by_id["I-EXP-1"], row("I-EXP-1", name="导出甲", community="学院路, 1号"))
        self.assertEqual(by_id["I-EXP-2"], row("I-EXP-2", name="导出乙", kind="visitor", phone=""))
        self.assertIn(fk.STAFF_PERSON, by_id)
        self.assertGreaterEqual(len(by_id), 250)
        self.assertEqual(len(by_id), len(rows) - 1, "a person exported twice")

    def test_dept_head_exports_own_subtree_only(self):
        r = self.s["head"].get("/api/v1/people/export")
        self.assertStatus(r, 200)
        rows = parse_csv(r.text)
        self.assertEqual(rows[0], HEADER)
        listed = {p["id"] for p in self.all_people(self.s["head"])}
        self.assertEqual({x[0] for x in rows[1:]}, listed)

    def test_export_is_audited(self):
        admin = self.s["admin"]
        r = admin.get("/api/v1/audit?limit=1")
        self.assertStatus(r, 200)
        last = r.json()["items"][0]["id"]
        r = self.s["head"].get("/api/v1/people/export")
        self.assertStatus(r, 200)
        exported = {x[0] for x in parse_csv(r.text)[1:]}
        self.assertTrue(exported)
        r = admin.get("/api/v1/audit?limit=500")
        self.assertStatus(r, 200)
        named = set()
        for e in r.json()["items"]:
            if e["id"] > last and e["username"] == "head" and e["object_type"] == "person":
                named.add(e["object_id"])
                named.update(x for x in exported if x in e["detail"])
        self.assertEqual(exported - named, set(), "exported people missing from the audit log")

    def test_export_refused_to_other_roles(self):
        for who in ("staff", "official", "analyst", "admin"):
            with self.subTest(who):
                self.assertError(self.s[who].get("/api/v1/people/export"), 403, "forbidden")
        self.assertError(self.req("GET", "/api/v1/people/export"), 401, "unauthenticated")

    # ---- the command line -------------------------------------------------

    def write(self, name, text):
        path = os.path.join(self.server.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    def test_cli_import_with_bad_row_stores_nothing(self):
        path = self.write("bad.csv", make_csv([
            row("C-BAD-1", department="命令行新部门"),
            row("C-BAD-2"),
            row("C-BAD-3", kind="teacher"),          # row 4
        ]))
        r = self.server.cli("import", "people", "--db", self.server.db, path)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        said = r.stderr.replace(path, "FILE")
        self.assertRegex(said, r"\b4\b", "the bad row's number is not on stderr")
        self.assertIn("kind", said)
        self.assertAbsent("C-BAD-1", "C-BAD-2", "C-BAD-3")
        self.assertNotIn("命令行新部门", self.department_names())

    def test_cli_import_good_file_is_seen_by_the_server(self):
        path = self.write("good.csv", make_csv([row("C-GOOD-1", name="命令行甲"),
                                                row("C-GOOD-2", name="命令行乙")]))
        r = self.server.cli("import", "people", "--db", self.server.db, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.person("C-GOOD-1")["name"], "命令行甲")
        self.assertEqual(self.person("C-GOOD-2")["name"], "命令行乙")

    def test_cli_import_partial(self):
        path = self.write("partial.csv", make_csv([row("C-PART-1"), row("C-PART-2", region_code="1")]))
        r = self.server.cli("import", "people", "--db", self.server.db, path, "--partial")
        self.assertIn("region_code", r.stderr + r.stdout)
        self.assertIsNotNone(self.person("C-PART-1"))
        self.assertAbsent("C-PART-2")

    def test_cli_import_missing_file_fails(self):
        r = self.server.cli("import", "people", "--db", self.server.db,
                            os.path.join(self.server.dir, "no-such.csv"))
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(r.stderr.strip())

    def test_cli_export_prints_csv(self):
        self.assertStatus(self.import_csv(make_csv([row("C-EXP-1", name="命令行导出")])), 200)
        r = self.server.cli("export", "people", "--db", self.server.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = parse_csv(r.stdout)
        self.assertEqual(rows[0], HEADER)
        by_id = {x[0]: x for x in rows[1:]}
        self.assertEqual(by_id["C-EXP-1"], row("C-EXP-1", name="命令行导出"))
        self.assertIn(fk.STAFF_PERSON, by_id)
        # --output writes the same to a file
        out = os.path.join(self.server.dir, "export.csv")
        r = self.server.cli("export", "people", "--db", self.server.db, "--output", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8", newline="") as f:
            rows2 = parse_csv(f.read())
        self.assertEqual(rows2[0], HEADER)
        self.assertIn("C-EXP-1", {x[0] for x in rows2[1:]})

    def test_cli_export_imports_into_a_fresh_database(self):
        r = self.server.cli("export", "people", "--db", self.server.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        exported = parse_csv(r.stdout)
        path = self.write("roundtrip.csv", r.stdout)
        db2 = os.path.join(self.server.dir, "fresh.db")
        r = self.server.cli("init", "--db", db2)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("import", "people", "--db", db2, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("export", "people", "--db", db2)
        self.assertEqual(r.returncode, 0, r.stderr)
        again = parse_csv(r.stdout)
        self.assertEqual(again[0], HEADER)
        self.assertEqual(sorted(again[1:]), sorted(exported[1:]))


if __name__ == "__main__":
    unittest.main()
