"""Users: the admin manages logins over HTTP and on the command line."""

import unittest

import fk


def no_secrets(testcase, obj):
    """No key anywhere in obj mentions a password or a hash."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            testcase.assertNotIn("password", k.lower(), obj)
            testcase.assertNotIn("hash", k.lower(), obj)
            no_secrets(testcase, v)
    elif isinstance(obj, list):
        for v in obj:
            no_secrets(testcase, v)
    elif isinstance(obj, str):
        testcase.assertFalse(obj.startswith("$argon2"), "a password hash leaked")


class UsersTest(fk.ServerTestCase):

    def add(self, username, password, role="analyst", **extra):
        body = {"username": username, "password": password, "role": role}
        body.update(extra)
        return self.s["admin"].post("/api/v1/users", body)

    def cli_add(self, username, password, role, *extra):
        return self.server.cli("user", "add", "--db", self.server.db, "--username", username,
                               "--role", role, *extra, "--password-stdin", input=password + "\n")

    def user_by_name(self, username):
        r = self.s["admin"].get("/api/v1/users")
        self.assertStatus(r, 200)
        for u in r.json()["items"]:
            if u["username"] == username:
                return u
        return None

    # ---- listing ----------------------------------------------------------

    def test_admin_lists_users_without_secrets(self):
        r = self.s["admin"].get("/api/v1/users")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        names = {u["username"]: u for u in items}
        for name, role in fk.DEMO_ROLE.items():
            self.assertEqual(names[name]["role"], role)
        no_secrets(self, r.json())
        staff = names["staff"]
        r = self.s["admin"].get("/api/v1/users/%d" % staff["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["username"], "staff")
        self.assertEqual(r.json()["person_id"], fk.STAFF_PERSON)
        no_secrets(self, r.json())
        self.assertError(self.s["admin"].get("/api/v1/users/987654"), 404, "not_found")

    # ---- creating ---------------------------------------------------------

    def test_admin_creates_user_who_can_log_in_at_once(self):
        r = self.add("newanalyst", "analyst-pass-123")
        self.assertStatus(r, 201)
        u = r.json()
        no_secrets(self, u)
        self.assertEqual((u["username"], u["role"]), ("newanalyst", "analyst"))
        self.assertIsInstance(u["id"], int)
        s = self.server.login("newanalyst", "analyst-pass-123")
        self.assertEqual(s.user["role"], "analyst")
        self.assertError(s.get("/api/v1/people"), 403, "forbidden")
        self.assertStatus(self.s["admin"].get("/api/v1/users/%d" % u["id"]), 200)

    def test_created_staff_user_sees_own_person(self):
        people_r = self.s["office"].get("/api/v1/people?limit=5")
        other = [p["id"] for p in people_r.json()["items"] if p["id"] != fk.STAFF_PERSON][0]
        r = self.add("newstaff", "staff-pass-1234", "staff", person_id=other)
        self.assertStatus(r, 201)
        s = self.server.login("newstaff", "staff-pass-1234")
        body = s.get("/api/v1/people").json()
        self.assertEqual([p["id"] for p in body["items"]], [other])
        self.assertError(s.get("/api/v1/people/" + fk.STAFF_PERSON), 404, "not_found")

    def test_created_official_is_scoped_to_region(self):
        r = self.add("newofficial", "official-pass-1", "official", region="42")
        self.assertStatus(r, 201)
        s = self.server.login("newofficial", "official-pass-1")
        for p in self.all_people(s):
            self.assertTrue(p["region_code"].startswith("42"), p)

    def test_cli_adds_user_while_server_runs(self):
        r = self.cli_add("clioffice", "cli-office-pass-1", "office")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = self.server.login("clioffice", "cli-office-pass-1")
        self.assertEqual(s.user["role"], "office")
        self.assertStatus(s.get("/api/v1/people/" + fk.STAFF_PERSON), 200)
        self.assertEqual(self.user_by_name("clioffice")["role"], "office")
        r = self.server.cli("user", "list", "--db", self.server.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("clioffice", r.stdout)
        self.assertIn("admin", r.stdout)
        self.assertNotIn("$argon2", r.stdout)

    def test_cli_adds_scoped_users(self):
        r = self.cli_add("clihead", "cli-head-pass-1", "dept_head", "--department", fk.HEAD_DEPARTMENT)
        self.assertEqual(r.returncode, 0, r.stderr)
        u = self.user_by_name("clihead")
        self.assertEqual(u["department_id"], self.s["head"].user["department_id"])
        r = self.cli_add("clistaff", "cli-staff-pass-1", "staff", "--person", fk.STAFF_PERSON)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = self.server.login("clistaff", "cli-staff-pass-1")
        self.assertEqual([p["id"] for p in s.get("/api/v1/people").json()["items"]],
                         [fk.STAFF_PERSON])

    def test_cli_refuses_bad_users(self):
        for args in (("clibad1", "pw-ok-long-1", "superuser"),
                     ("clibad2", "short", "analyst"),
                     ("clibad3", "pw-ok-long-3", "staff"),                # no --person
                     ("admin", "pw-ok-long-4", "analyst")):               # duplicate
            with self.subTest(args=args):
                r = self.cli_add(*args)
                self.assertNotEqual(r.returncode, 0)
                self.assertTrue(r.stderr.strip(), "no message on stderr")
        for name in ("clibad1", "clibad2", "clibad3"):
            self.assertIsNone(self.user_by_name(name))
        self.assertEqual(self.user_by_name("admin")["role"], "admin")

    def test_duplicate_username_is_409(self):
        self.assertStatus(self.add("twice", "twice-pass-123"), 201)
        r = self.add("twice", "other-pass-456", "office")
        self.assertError(r, 409, "conflict")
        self.assertEqual(self.user_by_name("twice")["role"], "analyst")
        self.server.login("twice", "twice-pass-123")
        self.assertError(self.add("office", "whatever-pass-1"), 409, "conflict")

    def test_bad_role_is_400(self):
        for role in ("superuser", "Admin", ""):
            with self.subTest(role=role):
                r = self.add("badrole", "badrole-pass-1", role)
                self.assertError(r, 400, "invalid", "role")
        self.assertIsNone(self.user_by_name("badrole"))

    def test_bad_user_fields_are_400_naming_them(self):
        cases = [
            ({"username": "bad1", "role": "analyst"}, "password"),
            ({"username": "bad2", "password": "short", "role": "analyst"}, "password"),
            ({"username": "bad3", "password": "x" * 129, "role": "analyst"}, "password"),
            ({"password": "no-name-pass-1", "role": "analyst"}, "username"),
            ({"username": "bad user", "password": "bad-pass-123", "role": "analyst"}, "username"),
            ({"username": "u" * 33, "password": "bad-pass-123", "role": "analyst"}, "username"),
            ({"username": "bad5", "password": "bad-pass-123", "role": "staff"}, "person_id"),
            ({"username": "bad6", "password": "bad-pass-123", "role": "official",
              "region": "1a"}, "region"),
            ({"username": "bad7", "password": "bad-pass-123", "role": "dept_head",
              "department": "没有这个部门"}, "department"),
            ({"username": "bad8", "password": "bad-pass-123", "role": "analyst",
              "is_root": True}, "is_root"),
            ({"username": "bad9", "password": 12345678, "role": "analyst"}, "password"),
            ({"username": "bad10", "password": "bad-pass-123", "role": "staff",
              "person_id": "NO-SUCH-PERSON"}, "person_id"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=body):
                r = self.s["admin"].post("/api/v1/users", body)
                self.assertError(r, 400, "invalid", field)
        names = {u["username"] for u in self.s["admin"].get("/api/v1/users").json()["items"]}
        self.assertFalse({"bad1", "bad2", "bad3", "bad5", "bad6", "bad7", "bad8", "bad9",
                          "bad10"} & names)

    def test_non_admin_is_refused(self):
        admin_id = self.s["admin"].user["id"]
        for who in ("office", "head", "staff", "official", "analyst"):
            s = self.s[who]
            with self.subTest(who):
                self.assertError(s.get("/api/v1/users"), 403, "forbidden")
                self.assertError(s.get("/api/v1/users/%d" % admin_id), 403, "forbidden")
                self.assertError(s.post("/api/v1/users", {"username": "sneaky", "password":
                                                          "sneaky-pass-1", "role": "admin"}),
                                 403, "forbidden")
                self.assertError(s.put("/api/v1/users/%d" % s.user["id"], {"role": "admin"}),
                                 403, "forbidden")
        self.assertIsNone(self.user_by_name("sneaky"))
        self.assertEqual(self.s["analyst"].get("/api/v1/session").json()["user"]["role"], "analyst")

    # ---- changing ---------------------------------------------------------

    def test_disable_ends_sessions_and_logins(self):
        self.assertStatus(self.add("todisable", "disable-pass-1"), 201)
        victim = self.server.login("todisable", "disable-pass-1")
        uid = victim.user["id"]
        self.assertStatus(victim.get("/api/v1/session"), 200)
        r = self.s["admin"].put("/api/v1/users/%d" % uid, {"disabled": True})
        self.assertStatus(r, 200)
        self.assertTrue(r.json()["disabled"])
        self.assertError(victim.get("/api/v1/session"), 401, "unauthenticated")
        self.assertError(self.server.login_raw("todisable", "disable-pass-1"), 401, "unauthenticated")
        r = self.s["admin"].put("/api/v1/users/%d" % uid, {"disabled": False})
        self.assertStatus(r, 200)
        self.server.login("todisable", "disable-pass-1")

    def test_cli_disable_ends_sessions_and_logins(self):
        self.assertStatus(self.add("clidisable", "disable-pass-2"), 201)
        victim = self.server.login("clidisable", "disable-pass-2")
        r = self.server.cli("user", "disable", "--db", self.server.db, "--username", "clidisable")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertError(victim.get("/api/v1/session"), 401, "unauthenticated")
        self.assertError(self.server.login_raw("clidisable", "disable-pass-2"), 401, "unauthenticated")
        self.assertTrue(self.user_by_name("clidisable")["disabled"])

    def test_password_change_over_http(self):
        self.assertStatus(self.add("changer", "first-pass-123"), 201)
        old = self.server.login("changer", "first-pass-123")
        r = self.s["admin"].put("/api/v1/users/%d" % old.user["id"], {"password": "second-pass-456"})
        self.assertStatus(r, 200)
        no_secrets(self, r.json())
        self.assertError(self.server.login_raw("changer", "first-pass-123"), 401, "unauthenticated")
        self.server.login("changer", "second-pass-456")
        # a new password ends the sessions opened with the old one
        self.assertError(old.get("/api/v1/session"), 401, "unauthenticated")
        r = self.s["admin"].put("/api/v1/users/%d" % old.user["id"], {"password": "short"})
        self.assertError(r, 400, "invalid", "password")
        self.server.login("changer", "second-pass-456")

    def test_password_change_on_cli(self):
        r = self.cli_add("clichanger", "first-pass-789", "analyst")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.server.cli("user", "passwd", "--db", self.server.db, "--username", "clichanger",
                            "--password-stdin", input="second-pass-789\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertError(self.server.login_raw("clichanger", "first-pass-789"), 401, "unauthenticated")
        self.server.login("clichanger", "second-pass-789")

    def test_role_change_applies_at_next_login(self):
        self.assertStatus(self.add("promoted", "promote-pass-1"), 201)
        uid = self.user_by_name("promoted")["id"]
        r = self.s["admin"].put("/api/v1/users/%d" % uid, {"role": "office"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["role"], "office")
        s = self.server.login("promoted", "promote-pass-1")
        self.assertEqual(s.user["role"], "office")
        self.assertStatus(s.get("/api/v1/people/" + fk.STAFF_PERSON), 200)

    def test_demotion_applies_to_open_sessions(self):
        self.assertStatus(self.add("demoted", "demote-pass-1", "office"), 201)
        s = self.server.login("demoted", "demote-pass-1")
        self.assertStatus(s.get("/api/v1/people/" + fk.STAFF_PERSON), 200)
        r = self.s["admin"].put("/api/v1/users/%d" % s.user["id"], {"role": "analyst"})
        self.assertStatus(r, 200)
        self.assertError(s.get("/api/v1/people/" + fk.STAFF_PERSON), 403, "forbidden")
        self.assertEqual(s.get("/api/v1/session").json()["user"]["role"], "analyst")

    def test_bad_updates_are_400_and_change_nothing(self):
        self.assertStatus(self.add("steady", "steady-pass-1"), 201)
        uid = self.user_by_name("steady")["id"]
        for body, field in (({"role": "superuser"}, "role"), ({"disabled": "yes"}, "disabled"),
                            ({"username": "renamed"}, "username"), ({"colour": "red"}, "colour")):
            with self.subTest(field=field):
                r = self.s["admin"].put("/api/v1/users/%d" % uid, body)
                self.assertError(r, 400, "invalid", field)
        u = self.user_by_name("steady")
        self.assertEqual((u["role"], u["disabled"]), ("analyst", False))
        self.assertError(self.s["admin"].put("/api/v1/users/987654", {"role": "office"}),
                         404, "not_found")


if __name__ == "__main__":
    unittest.main()
