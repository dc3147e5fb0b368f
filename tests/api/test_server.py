"""The server as a whole: health, metrics, routing, departments, settings,
regions, who may call each route, shutdown and durability."""

import html.parser
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

import fk

USERS = ("staff", "head", "office", "official", "analyst", "admin")
ALL = frozenset(USERS)


def person_body(pid, department_id):
    return {"id": pid, "name": "耐久测试", "kind": "staff", "department_id": department_id,
            "phone": "", "community": "", "region_code": "110108"}


def metric_samples(text):
    """Prometheus text -> list of (name, {label: value}, float)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$', line)
        if not m:
            raise AssertionError("not a Prometheus sample line: %r" % line)
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


class PageScan(html.parser.HTMLParser):
    """Collects what a strict CSP would block, and the page's own scripts
    and stylesheets."""

    def __init__(self):
        super().__init__()
        self.problems, self.resources = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            if k.startswith("on"):
                self.problems.append("<%s %s=...> inline handler" % (tag, k))
            if k == "style":
                self.problems.append("<%s style=...> inline style" % tag)
            if k in ("src", "href", "action") and v:
                low = v.strip().lower()
                if low.startswith("javascript:"):
                    self.problems.append("<%s %s=%r>" % (tag, k, v))
                if low.startswith(("http:", "https:", "//")):
                    self.problems.append("<%s %s=%r> other origin" % (tag, k, v))
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = "src" not in a
            if "src" in a:
                self.resources.append((a["src"], "script"))
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split():
            self.resources.append((a["href"], "style"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script>: %r" % data.strip()[:60])


class ServerTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head_dep = cls.s["head"].user["department_id"]
        r = cls.s["office"].get("/api/v1/people?limit=3")
        cls.a_person = [p for p in r.json()["items"] if p["id"] != fk.STAFF_PERSON][0]

    # ---- health and metrics -----------------------------------------------

    def test_healthz(self):
        r = self.req("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"status": "ok"})

    def healthz_count(self):
        r = self.req("GET", "/metrics")
        self.assertStatus(r, 200)
        total = 0
        for name, labels, value in metric_samples(r.text):
            if (name == "fangkong_http_requests_total" and "healthz" in labels.get("route", "")
                    and labels.get("status") == "200"):
                total += value
        return total

    def test_metrics_count_requests_by_route(self):
        self.assertStatus(self.req("GET", "/healthz"), 200)
        before = self.healthz_count()
        self.assertGreaterEqual(before, 1, "no request counter for the /healthz route")
        for _ in range(3):
            self.assertStatus(self.req("GET", "/healthz"), 200)
        self.assertEqual(self.healthz_count(), before + 3)

    def test_metrics_exposition(self):
        self.assertStatus(self.s["office"].get("/api/v1/people?limit=1"), 200)
        self.assertStatus(self.s["office"].post("/api/v1/departments", {"name": "度量测试部"}), 201)
        r = self.req("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type", "").startswith("text/plain"), r.header("Content-Type"))
        samples = metric_samples(r.text)
        names = {n for n, _, _ in samples}
        self.assertIn("# TYPE fangkong_http_requests_total counter", r.text)
        self.assertIn("# TYPE fangkong_http_request_duration_seconds histogram", r.text)
        self.assertIn("# TYPE fangkong_store_batch_size histogram", r.text)
        for n in ("fangkong_http_requests_total", "fangkong_http_request_duration_seconds_bucket",
                  "fangkong_http_request_duration_seconds_sum",
                  "fangkong_http_request_duration_seconds_count", "fangkong_store_queue_depth",
                  "fangkong_store_batch_size_bucket", "fangkong_store_batch_size_count"):
            self.assertIn(n, names)
        routes = {lab.get("route") for n, lab, _ in samples if n == "fangkong_http_requests_total"}
        self.assertTrue(any("people" in (x or "") for x in routes), routes)
        # histograms: cumulative buckets ending in +Inf == _count
        for h in ("fangkong_http_request_duration_seconds", "fangkong_store_batch_size"):
            buckets = [(lab["le"], v) for n, lab, v in samples if n == h + "_bucket"]
            self.assertEqual(buckets[-1][0], "+Inf")
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), h)
            count = [v for n, _, v in samples if n == h + "_count"][0]
            self.assertEqual(buckets[-1][1], count, h)
            self.assertGreater(count, 0, h)
        # the people request with status 200 is counted under its route
        self.assertTrue([v for n, lab, v in samples if n == "fangkong_http_requests_total"
                         and "people" in lab.get("route", "") and lab.get("status") == "200"
                         and v >= 1])

    # ---- routing ----------------------------------------------------------

    def test_unknown_route_is_404_json(self):
        for path in ("/api/v1/nope", "/api/v1/people/P0001/extra", "/api/v2/people", "/api/v1"):
            with self.subTest(path=path):
                self.assertError(self.s["office"].get(path), 404, "not_found")
        self.assertError(self.req("GET", "/api/v1/nope"), 404, "not_found")
        r = self.req("GET", "/no-such-page.html")
        self.assertStatus(r, 404)

    def test_wrong_method_is_405_json(self):
        cases = [("DELETE", "/api/v1/people", {"GET", "POST"}),
                 ("PUT", "/api/v1/session", {"GET"}),
                 ("GET", "/api/v1/login", {"POST"}),
                 ("POST", "/healthz", {"GET"}),
                 ("PATCH", "/api/v1/people/" + fk.STAFF_PERSON, {"GET", "PUT", "DELETE"})]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                r = self.s["office"].request(method, path)
                self.assertError(r, 405, "method_not_allowed")
                allow = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
                self.assertTrue(allowed <= allow, "Allow: %r" % r.header("Allow"))
        self.assertStatus(self.s["office"].get("/api/v1/people/" + fk.STAFF_PERSON), 200)

    # ---- departments ------------------------------------------------------

    def test_departments_crud(self):
        s = self.s["office"]
        r = s.post("/api/v1/departments", {"name": "部门测试根"})
        self.assertStatus(r, 201)
        root = r.json()
        self.assertEqual((root["name"], root["parent_id"], root["people"]), ("部门测试根", 0, 0))
        self.assertIsInstance(root["id"], int)
        self.assertTrue(root["path"])
        r = s.post("/api/v1/departments", {"name": "部门测试子", "parent_id": root["id"]})
        self.assertStatus(r, 201)
        child = r.json()
        self.assertEqual(child["parent_id"], root["id"])
        self.assertTrue(child["path"].startswith(root["path"]), (root["path"], child["path"]))
        self.assertNotEqual(child["path"], root["path"])

        r = s.get("/api/v1/departments/%d" % child["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), child)
        items = {d["id"]: d for d in s.get("/api/v1/departments").json()["items"]}
        self.assertIn(root["id"], items)
        self.assertIn(child["id"], items)

        r = s.put("/api/v1/departments/%d" % child["id"], {"name": "部门测试子改"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["name"], "部门测试子改")
        self.assertEqual(s.get("/api/v1/departments/%d" % child["id"]).json()["name"], "部门测试子改")

        # a department with people cannot go
        r = s.post("/api/v1/people", person_body("D-MEMBER", child["id"]))
        self.assertStatus(r, 201)
        self.assertEqual(s.get("/api/v1/departments/%d" % child["id"]).json()["people"], 1)
        self.assertError(s.delete("/api/v1/departments/%d" % child["id"]), 409, "conflict")
        self.assertStatus(s.get("/api/v1/departments/%d" % child["id"]), 200)
        self.assertEqual(s.get("/api/v1/people/D-MEMBER").json()["department_id"], child["id"])
        self.assertStatus(s.delete("/api/v1/people/D-MEMBER"), 204)
        self.assertStatus(s.delete("/api/v1/departments/%d" % child["id"]), 204)
        self.assertError(s.get("/api/v1/departments/%d" % child["id"]), 404, "not_found")
        self.assertError(s.delete("/api/v1/departments/%d" % child["id"]), 404, "not_found")

        # admin may manage departments too
        r = self.s["admin"].delete("/api/v1/departments/%d" % root["id"])
        self.assertStatus(r, 204)
        self.assertNotIn(root["id"], {d["id"] for d in s.get("/api/v1/departments").json()["items"]})

    def test_department_tree_stays_a_tree(self):
        s = self.s["office"]
        a = s.post("/api/v1/departments", {"name": "树测试甲"})
        self.assertStatus(a, 201)
        a = a.json()
        b = s.post("/api/v1/departments", {"name": "树测试乙", "parent_id": a["id"]})
        self.assertStatus(b, 201)
        b = b.json()
        for parent in (a["id"], b["id"]):
            with self.subTest(parent=parent):
                r = s.put("/api/v1/departments/%d" % a["id"], {"name": "树测试甲", "parent_id": parent})
                self.assertError(r, 400, "invalid", "parent_id")
        self.assertEqual(s.get("/api/v1/departments/%d" % a["id"]).json(), a)
        r = s.post("/api/v1/departments", {"name": "树测试丙", "parent_id": 987654})
        self.assertError(r, 400, "invalid", "parent_id")
        self.assertNotIn("树测试丙", {d["name"] for d in s.get("/api/v1/departments").json()["items"]})
        # moving a department moves its subtree
        c = s.post("/api/v1/departments", {"name": "树测试丁"})
        self.assertStatus(c, 201)
        c = c.json()
        r = s.put("/api/v1/departments/%d" % a["id"], {"name": "树测试甲", "parent_id": c["id"]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["parent_id"], c["id"])
        moved_b = s.get("/api/v1/departments/%d" % b["id"]).json()
        self.assertTrue(moved_b["path"].startswith(c["path"]), moved_b)

    def test_demo_department_with_people_is_409(self):
        s = self.s["office"]
        before = s.get("/api/v1/departments/%d" % self.head_dep)
        self.assertStatus(before, 200)
        self.assertGreater(before.json()["people"], 0)
        self.assertError(s.delete("/api/v1/departments/%d" % self.head_dep), 409, "conflict")
        self.assertEqual(s.get("/api/v1/departments/%d" % self.head_dep).json(), before.json())

    def test_bad_department_input_is_400(self):
        s = self.s["office"]
        for body, field in (({"name": ""}, "name"), ({"name": "甲/乙"}, "name"),
                            ({"name": "部" * 65}, "name"), ({}, "name"),
                            ({"name": "部门X", "parent_id": "1"}, "parent_id"),
                            ({"name": "部门X", "colour": "red"}, "colour")):
            with self.subTest(body=body):
                self.assertError(s.post("/api/v1/departments", body), 400, "invalid", field)
        names = {d["name"] for d in s.get("/api/v1/departments").json()["items"]}
        self.assertNotIn("部门X", names)
        self.assertNotIn("甲/乙", names)
        self.assertError(s.get("/api/v1/departments/987654"), 404, "not_found")

    # ---- settings and regions ---------------------------------------------

    def test_settings_round_trip(self):
        s = self.s["admin"]
        r = s.get("/api/v1/settings")
        self.assertStatus(r, 200)
        before = r.json()
        self.assertTrue({"org_name", "org_name_en"} <= set(before), before)
        r = s.put("/api/v1/settings", {"org_name": "测试研究所", "org_name_en": "Test Institute"})
        self.assertStatus(r, 200)
        after = s.get("/api/v1/settings").json()
        self.assertEqual(after, dict(before, org_name="测试研究所", org_name_en="Test Institute"))
        # the pages show the name: every signed-in user reads it with the session
        self.assertEqual(self.s["staff"].get("/api/v1/session").json().get("org_name"), "测试研究所")
        r = s.put("/api/v1/settings", {"org_name": "测试研究所", "theme": "dark"})
        self.assertError(r, 400, "invalid", "theme")
        r = s.put("/api/v1/settings", {"org_name": 5})
        self.assertError(r, 400, "invalid", "org_name")
        self.assertEqual(s.get("/api/v1/settings").json()["org_name"], "测试研究所")

    def test_regions(self):
        for who in USERS:
            with self.subTest(who):
                r = self.s[who].get("/api/v1/regions/110108")
                self.assertStatus(r, 200)
                got = r.json()
                self.assertEqual({k: got.get(k) for k in ("code", "name", "level", "parent_code")},
                                 {"code": "110108", "name": "海淀区",
                                  "level": "county", "parent_code": "110100"})
        r = self.s["staff"].get("/api/v1/regions/420000")
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["name"], r.json()["level"]), ("湖北省", "province"))
        self.assertError(self.s["staff"].get("/api/v1/regions/119999"), 404, "not_found")
        self.assertIn(self.s["staff"].get("/api/v1/regions/12ab56").status, (400, 404))

    def test_region_search(self):
        # by part of the name: the two 朝阳区 told apart by their parents
        r = self.s["analyst"].get("/api/v1/regions?q=%E6%9C%9D%E9%98%B3%E5%8C%BA")  # 朝阳区
        self.assertStatus(r, 200)
        found = {(x["code"], x["parent_name"]) for x in r.json()["items"]}
        self.assertIn(("110105", "北京市"), found)
        self.assertIn(("220104", "长春市"), found)
        # a province's directly administered city: the province, not the placeholder
        items = self.s["staff"].get("/api/v1/regions?q=429004").json()["items"]  # 仙桃市
        self.assertEqual([(x["name"], x["parent_name"]) for x in items], [("仙桃市", "湖北省")])
        # by a code prefix: provinces first, then cities, then counties
        items = self.s["staff"].get("/api/v1/regions?q=4201&limit=100").json()["items"]
        self.assertEqual(items[0]["code"], "420100")
        self.assertTrue(all(x["code"].startswith("4201") for x in items))
        levels = [x["level"] for x in items]
        self.assertEqual(levels, sorted(levels, key=["province", "city", "county"].index))
        items = self.s["staff"].get("/api/v1/regions?q=%E6%B9%96%E5%8C%97").json()["items"]  # 湖北
        self.assertEqual((items[0]["code"], items[0]["level"]), ("420000", "province"))
        self.assertEqual(len(self.s["staff"].get("/api/v1/regions?q=42&limit=3").json()["items"]),
                         3)
        self.assertEqual(self.s["staff"].get("/api/v1/regions?q=zzzz").json()["items"], [])
        for query, field in (("", "q"), ("?q=", "q"), ("?q=" + "1" * 65, "q"),
                             ("?q=42&limit=0", "limit"), ("?q=42&limit=101", "limit")):
            with self.subTest(query=query):
                self.assertError(self.s["staff"].get("/api/v1/regions" + query), 400,
                                 field=field)
        self.assertError(self.req("GET", "/api/v1/regions?q=42"), 401)

    # ---- who may call what ------------------------------------------------

    def route_table(self):
        """(method, path, body or (content type, raw), roles that may call it).
        The contract's routes, all of them."""
        pid = self.a_person["id"]
        dep = self.head_dep
        analyst_id = self.s["analyst"].user["id"]
        person = person_body("R-TABLE", dep)
        csv = ("text/csv", "id,name,kind,department,phone,community,region_code\n"
                           "R-CSV,表,staff,科研一部,,,110108\n")
        return [
            ("POST", "/api/v1/logout", None, ALL),
            ("GET", "/api/v1/session", None, ALL),
            ("GET", "/api/v1/people", None, {"staff", "head", "office", "official"}),
            ("POST", "/api/v1/people", person, {"office"}),
            ("GET", "/api/v1/people/" + pid, None, {"staff", "head", "office", "official"}),
            ("PUT", "/api/v1/people/" + pid, dict(person, id=pid, name="篡改"), {"office"}),
            ("DELETE", "/api/v1/people/" + pid, None, {"office"}),
            ("GET", "/api/v1/people/export", None, {"head", "office"}),
            ("POST", "/api/v1/people/import", csv, {"office"}),
            ("GET", "/api/v1/departments", None, ALL),
            ("POST", "/api/v1/departments", {"name": "篡改部"}, {"office", "admin"}),
            ("GET", "/api/v1/departments/%d" % dep, None, ALL),
            ("PUT", "/api/v1/departments/%d" % dep, {"name": "篡改部"}, {"office", "admin"}),
            ("DELETE", "/api/v1/departments/%d" % dep, None, {"office", "admin"}),
            ("GET", "/api/v1/users", None, {"admin"}),
            ("POST", "/api/v1/users", {"username": "intruder", "password": "intruder-pass-1",
                                       "role": "admin"}, {"admin"}),
            ("GET", "/api/v1/users/%d" % analyst_id, None, {"admin"}),
            ("PUT", "/api/v1/users/%d" % analyst_id, {"role": "admin"}, {"admin"}),
            ("GET", "/api/v1/audit", None, {"admin"}),
            ("GET", "/api/v1/settings", None, {"admin"}),
            ("PUT", "/api/v1/settings", {"org_name": "篡改"}, {"admin"}),
            ("GET", "/api/v1/regions/110108", None, ALL),
            ("GET", "/api/v1/regions?q=110108", None, ALL),
        ]

    def send(self, session, method, path, body, headers=None):
        if isinstance(body, tuple):
            kw = {"raw": body[1], "content_type": body[0]}
        else:
            kw = {"body": body} if body is not None else {}
        if session is None:
            return self.req(method, path, headers=headers, **kw)
        return session.request(method, path, headers=headers, **kw)

    def test_every_route_refuses_the_anonymous(self):
        for method, path, body, _ in self.route_table():
            with self.subTest(method=method, path=path):
                self.assertError(self.send(None, method, path, body), 401, "unauthenticated")
                forged = {"Authorization": "Bearer " + "A" * 43}
                self.assertError(self.send(None, method, path, body, forged), 401,
                                 "unauthenticated")
        self.assertUnchanged()

    def test_every_route_refuses_roles_without_the_right(self):
        refused_somewhere = set()
        for method, path, body, allowed in self.route_table():
            for who in sorted(ALL - allowed):
                with self.subTest(method=method, path=path, who=who):
                    r = self.send(self.s[who], method, path, body)
                    self.assertIn(r.status, (403, 404), r)
                    self.assertError(r, r.status)
                    refused_somewhere.add((method, path))
        self.assertUnchanged()
        # every route but those open to all roles had someone refused
        expected = {(m, p) for m, p, _, allowed in self.route_table() if allowed != ALL}
        self.assertEqual(refused_somewhere, expected)

    def test_readable_routes_serve_every_role_allowed(self):
        for method, path, body, allowed in self.route_table():
            if method != "GET" or "/people/" in path and "export" not in path:
                continue   # a person by id is also subject to scope
            for who in sorted(allowed):
                with self.subTest(path=path, who=who):
                    self.assertStatus(self.s[who].get(path), 200)

    def test_public_routes(self):
        for path in ("/healthz", "/metrics", "/", "/login.html"):
            with self.subTest(path=path):
                self.assertStatus(self.req("GET", path), 200)

    def test_pages_work_under_the_csp(self):
        """The CSP forbids inline scripts and styles and other origins: a
        page that relies on them is broken in the browser."""
        for page in ("/", "/login.html"):
            with self.subTest(page=page):
                r = self.req("GET", page)
                self.assertStatus(r, 200)
                p = PageScan()
                p.feed(r.text)
                self.assertEqual(p.problems, [], page)
                self.assertTrue(p.resources, "%s loads no script or stylesheet" % page)
                for url, kind in p.resources:
                    res = self.req("GET", url)
                    self.assertStatus(res, 200, "%s referenced by %s" % (url, page))
                    ctype = res.header("Content-Type", "")
                    want = "javascript" if kind == "script" else "text/css"
                    self.assertIn(want, ctype, "%s served as %r" % (url, ctype))
                    self.assertSecurityHeaders(res)

    def assertUnchanged(self):
        """Nothing the refused requests of the route table tried happened."""
        office = self.s["office"]
        self.assertEqual(office.get("/api/v1/people/" + self.a_person["id"]).json()["name"],
                         self.a_person["name"])
        for pid in ("R-TABLE", "R-CSV"):
            self.assertError(office.get("/api/v1/people/" + pid), 404, "not_found")
        d = office.get("/api/v1/departments/%d" % self.head_dep)
        self.assertStatus(d, 200)
        self.assertEqual(d.json()["name"], fk.HEAD_DEPARTMENT)
        self.assertNotIn("篡改部", {x["name"] for x in office.get("/api/v1/departments").json()["items"]})
        admin = self.s["admin"]
        users = {u["username"]: u for u in admin.get("/api/v1/users").json()["items"]}
        self.assertNotIn("intruder", users)
        self.assertEqual(users["analyst"]["role"], "analyst")
        self.assertNotEqual(admin.get("/api/v1/settings").json()["org_name"], "篡改")
        for who in USERS:   # nobody got logged out by someone else's refused logout
            self.assertStatus(self.s[who].get("/api/v1/session"), 200)

    def test_keep_alive_connection_serves_many_requests(self):
        """A browser reuses its connection, also after an error."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        auth = {"Authorization": "Bearer " + self.s["office"].token}
        try:
            for method, path, body, ctype, status in (
                    ("GET", "/api/v1/session", None, None, 200),
                    ("POST", "/api/v1/departments", b" " * (70 * 1024), "application/json", 413),
                    ("GET", "/api/v1/people/" + fk.STAFF_PERSON, None, None, 200),
                    ("POST", "/api/v1/departments", b"{", "application/json", 400),
                    ("GET", "/api/v1/no-such", None, None, 404),
                    ("POST", "/api/v1/departments", '{"name":"长连接部"}'.encode(),
                     "application/json", 201),
                    ("GET", "/healthz", None, None, 200)):
                h = dict(auth)
                if ctype:
                    h["Content-Type"] = ctype
                conn.request(method, path, body=body, headers=h)
                r = conn.getresponse()
                payload = r.read()
                self.assertEqual(r.status, status, (method, path, payload[:200]))
        finally:
            conn.close()

    # ---- the command line of serve -----------------------------------------

    def test_port_in_use_is_an_error(self):
        """A second server on a port that is taken must fail, not share the
        port and answer half the requests from another database."""
        srv = fk.Server(self.__module__ + "-port", demo=False)
        try:
            out = os.path.join(srv.dir, "second.out")
            with open(out, "wb") as o, open(os.path.join(srv.dir, "second.err"), "wb") as e:
                p = subprocess.Popen([fk.BIN, "serve", "--db", srv.db, "--listen",
                                      "127.0.0.1:%d" % self.server.port],
                                     stdin=subprocess.DEVNULL, stdout=o, stderr=e)
            try:
                rc = p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = None
            with open(os.path.join(srv.dir, "second.err"), encoding="utf-8", errors="replace") as f:
                err = f.read()
            with open(out, encoding="utf-8", errors="replace") as f:
                said = f.read()
            self.assertIsNotNone(rc, "a second server started on a port in use (stdout: %r)" % said)
            self.assertNotEqual(rc, 0)
            self.assertTrue(err.strip(), "no message on stderr")
        finally:
            srv.cleanup()

    def test_command_line_errors_go_to_stderr_with_nonzero_exit(self):
        for args in (("no-such-command",),
                     ("serve", "--db", self.server.db, "--listen", "999.1.1.1:80"),
                     ("serve", "--db", "/nonexistent-dir/x.db", "--listen", "127.0.0.1:0"),
                     ("user", "add", "--db", self.server.db, "--username", "x",
                      "--role", "analyst")):          # no --password-stdin
            with self.subTest(args=args):
                r = self.server.cli(*args, input="", timeout=30)
                self.assertNotEqual(r.returncode, 0, r.stdout)
                self.assertTrue(r.stderr.strip(), "no message on stderr")
        self.assertNotIn("x", {u["username"] for u in
                               self.s["admin"].get("/api/v1/users").json()["items"]})

    def test_db_and_listen_from_environment(self):
        srv = fk.Server(self.__module__ + "-env", demo=False)
        try:
            srv.start(own_args=False, env={"FANGKONG_DB": srv.db, "FANGKONG_LISTEN": "127.0.0.1:0"})
            self.assertStatus(srv.request("GET", "/healthz"), 200)
            self.assertTrue(os.path.exists(srv.db))
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()

    def test_db_and_listen_from_config_file(self):
        srv = fk.Server(self.__module__ + "-cfg")
        try:
            cfg = os.path.join(srv.dir, "fk.json")
            with open(cfg, "w") as f:
                json.dump({"db": srv.db, "listen": "127.0.0.1:0", "threads": 2}, f)
            srv.start("--config", cfg, own_args=False)
            self.assertStatus(srv.request("GET", "/healthz"), 200)
            srv.login("office")     # the demo database of the config file
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()

    def test_bad_config_file_is_an_error(self):
        srv = fk.Server(self.__module__ + "-badcfg", demo=False)
        try:
            cfg = os.path.join(srv.dir, "fk.json")
            with open(cfg, "w") as f:
                json.dump({"db": srv.db, "listen": "127.0.0.1:0", "colour": "red"}, f)
            r = srv.cli("serve", "--config", cfg, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("colour", r.stderr)
        finally:
            srv.cleanup()

    # ---- shutdown and durability ------------------------------------------

    def test_sigterm_exits_zero_and_stops_listening(self):
        srv = fk.Server(self.__module__ + "-term")
        try:
            srv.start()
            self.assertStatus(srv.request("GET", "/healthz"), 200)
            rc = srv.stop()
            self.assertEqual(rc, 0, srv.stderr_text()[-2000:])
            with self.assertRaises(OSError):
                srv.request("GET", "/healthz", timeout=5)
        finally:
            srv.cleanup()

    def test_sigint_exits_zero(self):
        srv = fk.Server(self.__module__ + "-int", demo=False)
        try:
            srv.start()
            srv.proc.send_signal(signal.SIGINT)
            self.assertEqual(srv.proc.wait(30), 0, srv.stderr_text()[-2000:])
            srv.proc = None
        finally:
            srv.cleanup()

    def test_acknowledged_writes_survive_kill_9(self):
        srv = fk.Server(self.__module__ + "-kill")
        try:
            srv.start()
            office = srv.login("office")
            dep = office.get("/api/v1/departments").json()["items"][0]["id"]
            # one write, then many at once (they share group commits)
            r = office.post("/api/v1/people", person_body("K-SOLO", dep))
            self.assertStatus(r, 201)
            acked, lock = [], threading.Lock()

            def writer(n):
                for i in range(10):
                    pid = "K-%02d-%02d" % (n, i)
                    r = office.post("/api/v1/people", person_body(pid, dep))
                    if r.status == 201:
                        with lock:
                            acked.append(pid)
            threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(len(acked), 80)
            r = office.put("/api/v1/people/K-SOLO", dict(person_body("K-SOLO", dep), name="已改"))
            self.assertStatus(r, 200)
            self.assertStatus(office.delete("/api/v1/people/K-00-00"), 204)
            srv.kill()
            srv.start()
            office = srv.login("office")
            self.assertEqual(office.get("/api/v1/people/K-SOLO").json()["name"], "已改")
            self.assertError(office.get("/api/v1/people/K-00-00"), 404, "not_found")
            missing = [p for p in acked if p != "K-00-00"
                       and office.get("/api/v1/people/" + p).status != 200]
            self.assertEqual(missing, [], "acknowledged writes lost after kill -9")
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()

    def test_sigterm_under_load_loses_no_acknowledged_write(self):
        srv = fk.Server(self.__module__ + "-load")
        try:
            srv.start()
            office = srv.login("office")
            dep = office.get("/api/v1/departments").json()["items"][0]["id"]
            acked, lock, stop = [], threading.Lock(), threading.Event()

            def writer(n):
                i = 0
                while not stop.is_set():
                    pid = "L-%02d-%04d" % (n, i)
                    i += 1
                    try:
                        r = office.post("/api/v1/people", person_body(pid, dep), timeout=10)
                    except OSError:
                        return
                    if r.status == 201:
                        with lock:
                            acked.append(pid)
                    elif r.status != 503:
                        return
            threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 10
            while len(acked) < 30 and time.monotonic() < deadline:
                time.sleep(0.02)
            rc = srv.stop()
            stop.set()
            for t in threads:
                t.join()
            self.assertEqual(rc, 0, srv.stderr_text()[-2000:])
            self.assertGreaterEqual(len(acked), 30)
            srv.start()
            office = srv.login("office")
            stored = {p["id"] for p in self.all_people(office) if p["id"].startswith("L-")}
            self.assertEqual(sorted(set(acked) - stored), [])
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
