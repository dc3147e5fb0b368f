"""Sign-in, sessions, CSRF, the login rate limit and security headers."""

import base64
import json
import os
import sqlite3
import time
import unittest

import fk


def forged_token():
    """A token of the right shape (base64url of 32 bytes) that no server
    ever issued."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def set_cookie_attrs(header):
    """'fk_session=T; Path=/; HttpOnly' -> ('fk_session', 'T', {'path': '/',
    'httponly': ''})"""
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name, value, attrs


class AuthTest(fk.ServerTestCase):
    LOGINS = ("admin", "office", "staff", "official", "head")

    # ---- signing in -------------------------------------------------------

    def test_login_returns_token_csrf_expiry_and_user(self):
        before = time.time()
        r = self.server.login_raw("official", fk.DEMO["official"])
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type", "").startswith("application/json"))
        body = r.json()
        self.assertIsInstance(body["token"], str)
        self.assertGreaterEqual(len(body["token"]), 32, "token too short to be unguessable")
        self.assertIsInstance(body["csrf_token"], str)
        self.assertTrue(body["csrf_token"])
        self.assertNotEqual(body["token"], body["csrf_token"])
        self.assertIn("expires_at", body)
        if isinstance(body["expires_at"], (int, float)):
            self.assertGreater(body["expires_at"], before)
        else:
            self.assertIsInstance(body["expires_at"], str)
            self.assertTrue(body["expires_at"])
        user = body["user"]
        self.assertEqual(user["username"], "official")
        self.assertEqual(user["role"], "official")
        self.assertEqual(user["region_prefix"], fk.OFFICIAL_PREFIX)
        for k in user:
            self.assertNotIn("password", k.lower())
            self.assertNotIn("hash", k.lower())

    def test_two_logins_get_different_tokens(self):
        a = self.server.login("staff")
        self.assertNotEqual(a.token, self.s["staff"].token)
        self.assertNotEqual(a.csrf, self.s["staff"].csrf)

    def test_bearer_token_authenticates(self):
        for name in self.LOGINS:
            r = self.s[name].get("/api/v1/session")
            self.assertStatus(r, 200)
            body = r.json()
            u = body["user"]
            self.assertEqual(u["username"], name)
            self.assertEqual(u["role"], fk.DEMO_ROLE[name])
            for k in ("id", "username", "role", "person_id", "department_id",
                      "region_prefix"):
                self.assertIn(k, u, "session user lacks %s" % k)
            self.assertEqual(body["csrf_token"], self.s[name].csrf)

    def test_session_shows_each_roles_scope(self):
        self.assertEqual(self.s["staff"].get("/api/v1/session").json()["user"]["person_id"],
                         fk.STAFF_PERSON)
        self.assertEqual(self.s["official"].get("/api/v1/session").json()["user"]["region_prefix"],
                         fk.OFFICIAL_PREFIX)
        head = self.s["head"].get("/api/v1/session").json()["user"]
        self.assertTrue(head["department_id"])
        r = self.s["head"].get("/api/v1/departments/%d" % head["department_id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["name"], fk.HEAD_DEPARTMENT)

    def test_login_sets_httponly_samesite_strict_cookie(self):
        r = self.server.login_raw("staff", fk.DEMO["staff"])
        self.assertStatus(r, 200)
        token = r.json()["token"]
        cookies = [set_cookie_attrs(h) for h in r.header_all("Set-Cookie")]
        session = [c for c in cookies if c[0] == "fk_session"]
        self.assertEqual(len(session), 1, "Set-Cookie headers: %r" % r.header_all("Set-Cookie"))
        _, value, attrs = session[0]
        self.assertEqual(value, token)
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite", "").lower(), "strict")
        self.assertEqual(attrs.get("path"), "/")

    def test_cookie_authenticates(self):
        s = self.s["office"]
        r = s.get("/api/v1/session", cookie=True, csrf=False)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["user"]["username"], "office")
        self.assertEqual(r.json()["csrf_token"], s.csrf)
        # among the other cookies a browser sends
        r = self.req("GET", "/api/v1/session",
                     headers={"Cookie": "theme=dark; fk_session=%s; lang=zh-CN" % s.token})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["user"]["username"], "office")

    def test_wrong_password_is_401_in_error_format(self):
        r = self.server.login_raw("head", "not-the-password")
        e = self.assertError(r, 401, "unauthenticated")
        for c in r.header_all("Set-Cookie"):
            name, value, _ = set_cookie_attrs(c)
            self.assertFalse(name == "fk_session" and value, "failed login set a session cookie")
        self.assertNotIn("token", r.json())
        # a wrong password does not end sessions already open
        self.assertStatus(self.s["head"].get("/api/v1/session"), 200)
        # and says nothing about which of name and password was wrong
        u = self.server.login_raw("nobody-by-this-name", "not-the-password")
        e2 = self.assertError(u, 401, "unauthenticated")
        self.assertEqual(e["message"], e2["message"])

    def test_unknown_user_is_401(self):
        r = self.server.login_raw("ghost", "whatever-password")
        self.assertError(r, 401, "unauthenticated")

    def test_login_body_must_be_strict_json(self):
        r = self.req("POST", "/api/v1/login", raw='{"username":"admin",', content_type="application/json")
        self.assertError(r, 400, "invalid")
        r = self.req("POST", "/api/v1/login", {"username": "admin"})
        self.assertError(r, 400, "invalid", "password")
        r = self.req("POST", "/api/v1/login", {"username": "admin", "password": 5})
        self.assertError(r, 400, "invalid", "password")
        r = self.req("POST", "/api/v1/login",
                     {"username": "admin", "password": fk.DEMO["admin"], "remember": True})
        self.assertError(r, 400, "invalid", "remember")
        r = self.req("POST", "/api/v1/login",
                     raw="username=admin&password=" + fk.DEMO["admin"],
                     content_type="application/x-www-form-urlencoded")
        self.assertError(r, 415, "unsupported_media_type")

    # ---- refusing credentials --------------------------------------------

    def test_missing_token_is_401(self):
        r = self.req("GET", "/api/v1/session")
        self.assertError(r, 401, "unauthenticated")
        r = self.req("GET", "/api/v1/people")
        self.assertError(r, 401, "unauthenticated")

    def test_forged_tokens_are_401(self):
        real = self.s["office"].token
        altered = real[:-1] + ("A" if real[-1] != "A" else "B")
        candidates = {
            "random": forged_token(),
            "altered": altered,
            "truncated": real[:-4],
            "extended": real + "AAAA",
            "csrf token as token": self.s["office"].csrf,
            "empty": "",
            "garbage": "x" * 500,
            "non-ascii": "令牌令牌",
        }
        for what, tok in candidates.items():
            with self.subTest(what):
                # header values go out as raw bytes (UTF-8 for the non-ASCII one)
                r = self.req("GET", "/api/v1/session",
                             headers={"Authorization": ("Bearer " + tok).encode()})
                self.assertError(r, 401, "unauthenticated")
                r = self.req("GET", "/api/v1/session",
                             headers={"Cookie": ("fk_session=" + tok).encode()})
                self.assertError(r, 401, "unauthenticated")
        for what, header in {"basic scheme": "Basic " + real,
                             "no scheme": real,
                             "bare scheme": "Bearer"}.items():
            with self.subTest(what):
                r = self.req("GET", "/api/v1/session", headers={"Authorization": header})
                self.assertError(r, 401, "unauthenticated")

    def test_expired_looking_token_is_401(self):
        # A well-formed token of a session that has expired looks, to the
        # server, like any token it no longer knows.
        r = self.req("GET", "/api/v1/people",
                     headers={"Authorization": "Bearer " + forged_token()})
        self.assertError(r, 401, "unauthenticated")

    def test_expired_session_is_401(self):
        # Sessions last hours; age one in the database instead of waiting.
        # (This knows the SQLite schema: sessions.user_id, expires_at.)
        r = self.s["admin"].post("/api/v1/users", {"username": "expiring",
                                                   "password": "expiring-pass-1",
                                                   "role": "analyst"})
        self.assertStatus(r, 201)
        s = self.server.login("expiring", "expiring-pass-1")
        self.assertStatus(s.get("/api/v1/session"), 200)
        db = sqlite3.connect(self.server.db, timeout=30)
        try:
            with db:
                n = db.execute("UPDATE sessions SET expires_at = ? WHERE user_id = ?",
                               (int(time.time()) - 1, s.user["id"])).rowcount
        finally:
            db.close()
        self.assertEqual(n, 1)
        self.assertError(s.get("/api/v1/session"), 401, "unauthenticated")
        self.assertError(s.get("/api/v1/session", cookie=True), 401, "unauthenticated")
        self.assertError(s.get("/api/v1/departments"), 401, "unauthenticated")

    def test_logout_ends_that_token_only(self):
        s = self.server.login("office")
        self.assertStatus(s.get("/api/v1/session"), 200)
        r = s.post("/api/v1/logout")
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertError(s.get("/api/v1/session"), 401, "unauthenticated")
        self.assertError(s.get("/api/v1/session", cookie=True), 401, "unauthenticated")
        self.assertError(s.get("/api/v1/people"), 401, "unauthenticated")
        # logging out again with the dead token is refused too
        self.assertError(s.post("/api/v1/logout"), 401, "unauthenticated")
        # the other session of the same user is untouched
        self.assertStatus(self.s["office"].get("/api/v1/session"), 200)

    def test_logout_by_cookie(self):
        s = self.server.login("staff")
        r = s.post("/api/v1/logout", cookie=True)
        self.assertStatus(r, 204)
        self.assertError(s.get("/api/v1/session"), 401, "unauthenticated")

    # ---- CSRF -------------------------------------------------------------

    def _department_names(self):
        r = self.s["office"].get("/api/v1/departments")
        self.assertStatus(r, 200)
        return {d["name"] for d in r.json()["items"]}

    def test_cookie_post_without_csrf_header_is_403_and_changes_nothing(self):
        s = self.s["office"]
        r = s.post("/api/v1/departments", {"name": "CSRF测试部甲"}, cookie=True, csrf=False)
        self.assertError(r, 403, "csrf")
        r = s.post("/api/v1/departments", {"name": "CSRF测试部甲"}, cookie=True, csrf=False,
                   headers={"X-CSRF-Token": "wrong-csrf-token"})
        self.assertError(r, 403, "csrf")
        r = s.post("/api/v1/departments", {"name": "CSRF测试部甲"}, cookie=True, csrf=False,
                   headers={"X-CSRF-Token": ""})
        self.assertError(r, 403, "csrf")
        # another session's CSRF token is not this session's
        r = s.post("/api/v1/departments", {"name": "CSRF测试部甲"}, cookie=True, csrf=False,
                   headers={"X-CSRF-Token": self.s["admin"].csrf})
        self.assertError(r, 403, "csrf")
        self.assertNotIn("CSRF测试部甲", self._department_names())

    def test_cookie_post_with_csrf_header_is_accepted(self):
        r = self.s["office"].post("/api/v1/departments", {"name": "CSRF测试部乙"}, cookie=True)
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["name"], "CSRF测试部乙")
        self.assertIn("CSRF测试部乙", self._department_names())

    def test_cookie_put_and_delete_need_csrf(self):
        s = self.s["office"]
        r = s.post("/api/v1/departments", {"name": "CSRF测试部丙"})
        self.assertStatus(r, 201)
        dep = r.json()
        path = "/api/v1/departments/%d" % dep["id"]
        r = s.put(path, {"name": "CSRF测试部丁"}, cookie=True, csrf=False)
        self.assertError(r, 403, "csrf")
        r = s.delete(path, cookie=True, csrf=False)
        self.assertError(r, 403, "csrf")
        r = s.get(path)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["name"], "CSRF测试部丙")
        r = s.delete(path, cookie=True)
        self.assertStatus(r, 204)
        self.assertError(s.get(path), 404, "not_found")

    def test_cookie_logout_needs_csrf(self):
        s = self.server.login("head")
        r = s.post("/api/v1/logout", cookie=True, csrf=False)
        self.assertError(r, 403, "csrf")
        self.assertStatus(s.get("/api/v1/session"), 200)

    def test_bearer_needs_no_csrf(self):
        r = self.s["office"].post("/api/v1/departments", {"name": "CSRF测试部戊"})
        self.assertStatus(r, 201)
        self.assertIn("CSRF测试部戊", self._department_names())

    def test_cookie_get_needs_no_csrf(self):
        r = self.s["staff"].get("/api/v1/people/" + fk.STAFF_PERSON, cookie=True, csrf=False)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["id"], fk.STAFF_PERSON)

    # ---- rate limit -------------------------------------------------------

    def test_sixth_failed_login_is_429_even_with_right_password(self):
        password = "limit-test-pass-1"
        r = self.s["admin"].post("/api/v1/users", {"username": "limited", "password": password,
                                                   "role": "analyst"})
        self.assertStatus(r, 201)
        for i in range(5):
            r = self.server.login_raw("limited", "wrong-%d-password" % i)
            self.assertError(r, 401, "unauthenticated")
        r = self.server.login_raw("limited", "wrong-5-password")
        self.assertError(r, 429, "rate_limited")
        retry = r.header("Retry-After")
        self.assertIsNotNone(retry, "429 without Retry-After")
        self.assertTrue(retry.isdigit(), "Retry-After %r" % retry)
        self.assertGreater(int(retry), 0)
        self.assertLessEqual(int(retry), 15 * 60)
        r = self.server.login_raw("limited", password)
        self.assertError(r, 429, "rate_limited")
        self.assertNotIn("token", r.json())
        self.assertIsNotNone(r.header("Retry-After"))
        # the limit is per username: others still sign in
        self.assertStatus(self.server.login_raw("staff", fk.DEMO["staff"]), 200)

    def test_twenty_failures_from_one_address_lock_it(self):
        # A server of its own: this locks 127.0.0.1 out for 15 minutes.
        srv = fk.Server(self.__module__ + "-addr")
        try:
            srv.start()
            for i in range(20):
                # four names, five tries each: no single name hits its limit
                r = srv.login_raw("spray%d" % (i % 4), "wrong-password-%d" % i)
                self.assertError(r, 401, "unauthenticated")
            r = srv.login_raw("admin", fk.DEMO["admin"])
            self.assertError(r, 429, "rate_limited")
            self.assertIsNotNone(r.header("Retry-After"))
            # a client cannot step around the limit by naming another address
            r = srv.login_raw("admin", fk.DEMO["admin"],
                              {"X-Forwarded-For": "10.1.2.3", "X-Real-IP": "10.1.2.3",
                               "Forwarded": "for=10.1.2.3"})
            self.assertError(r, 429, "rate_limited")
        finally:
            rc = srv.stop()
            srv.cleanup()
        self.assertEqual(rc, 0)

    # ---- session lifetime -------------------------------------------------

    def test_expiry_follows_configured_session_ttl(self):
        srv = fk.Server(self.__module__ + "-ttl", demo=False)
        try:
            cfg = os.path.join(srv.dir, "fk.json")
            with open(cfg, "w") as f:
                json.dump({"session_ttl_hours": 1}, f)
            r = srv.cli("user", "add", "--db", srv.db, "--username", "ttl", "--role", "analyst",
                        "--password-stdin", input="ttl-pass-1234\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            srv.start("--config", cfg)
            before = time.time()
            r = srv.login_raw("ttl", "ttl-pass-1234")
            self.assertStatus(r, 200)
            expires = r.json()["expires_at"]
            self.assertAlmostEqual(expires, before + 3600, delta=120,
                                   msg="expires_at should be 1 hour ahead with session_ttl_hours 1")
        finally:
            rc = srv.stop()
            srv.cleanup()
        self.assertEqual(rc, 0)

    # ---- the request log ---------------------------------------------------

    def test_request_log_has_a_line_per_request_and_no_secrets(self):
        s = self.server.login("office")

        def lines():
            return len(self.server.stderr_text().splitlines())

        # a line is written once its response is out: let earlier ones land
        before, settled = lines(), time.monotonic()
        while time.monotonic() - settled < 0.3:
            time.sleep(0.05)
            if lines() != before:
                before, settled = lines(), time.monotonic()
        for _ in range(3):
            self.assertStatus(s.get("/api/v1/people/LOG-MARKER-404"), 404)
        deadline = time.monotonic() + 5
        while lines() < before + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)
        self.assertEqual(lines() - before, 3, "one log line per request")
        log = self.server.stderr_text()
        for pw in fk.DEMO.values():
            self.assertNotIn(pw, log)
        for sess in list(self.s.values()) + [s]:
            self.assertNotIn(sess.token, log)
            self.assertNotIn(sess.csrf, log)

    # ---- security headers -------------------------------------------------

    def test_security_headers_on_api_responses(self):
        responses = [
            self.s["office"].get("/api/v1/session"),
            self.s["office"].get("/api/v1/people?limit=2"),
            self.req("GET", "/api/v1/session"),                     # 401
            self.s["admin"].get("/api/v1/people"),                  # 403
            self.s["office"].get("/api/v1/no-such-route"),          # 404
            self.server.login_raw("ghost", "whatever-password"),    # 401
            self.req("GET", "/healthz"),
            self.req("GET", "/metrics"),
            self.s["office"].request("DELETE", "/api/v1/people"),  # 405
            self.s["office"].post("/api/v1/departments", raw="{}", content_type="text/plain"),  # 415
            self.s["office"].post("/api/v1/departments", raw=" " * (70 * 1024),
                                  content_type="application/json"),  # 413
            self.s["office"].post("/api/v1/departments", raw="{", content_type="application/json"),
        ]
        for r in responses:
            with self.subTest(path=r.path, status=r.status):
                self.assertSecurityHeaders(r)

    def test_security_headers_on_pages(self):
        for path in ("/", "/login.html"):
            with self.subTest(path=path):
                r = self.req("GET", path)
                self.assertStatus(r, 200)
                self.assertTrue(r.header("Content-Type", "").startswith("text/html"),
                                r.header("Content-Type"))
                self.assertSecurityHeaders(r)
        r = self.req("GET", "/no-such-page.html")
        self.assertStatus(r, 404)
        self.assertSecurityHeaders(r)


if __name__ == "__main__":
    unittest.main()
