"""fk.py -- harness for the API tests: start the real fangkong binary on an
ephemeral port against a fresh demo database and talk HTTP to it.

Environment:
  FANGKONG_BIN       path of the fangkong binary (default: build/fangkong)
  FANGKONG_TEST_TMP  scratch directory, created if missing
                     (default: build/test-tmp)
  FANGKONG_KEEP_TMP  if set to 1, keep each module's scratch directory
                     (database, server stdout/stderr) for inspection

One server per test module (ServerTestCase.setUpClass): logins cost an
Argon2id hash each (~0.1 s), so each demo role logs in once per module and
its session is reused by every test of the module.

Python 3 standard library only.
"""

import datetime
import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(os.path.dirname(_HERE))

BIN = os.environ.get("FANGKONG_BIN") or os.path.join(_ROOT, "build", "fangkong")
TMP = os.environ.get("FANGKONG_TEST_TMP") or os.path.join(_ROOT, "build", "test-tmp")

# The demo logins of `fangkong init --demo` (SPEC: CLI).
DEMO = {
    "admin": "admin-demo-2020",
    "office": "office-demo-2020",
    "head": "head-demo-2020",
    "staff": "staff-demo-2020",
    "official": "official-demo-2020",
    "analyst": "analyst-demo-2020",
}
DEMO_ROLE = {
    "admin": "admin",
    "office": "office",
    "head": "dept_head",
    "staff": "staff",
    "official": "official",
    "analyst": "analyst",
}
STAFF_PERSON = "P0001"
HEAD_DEPARTMENT = "科研一部"
OFFICIAL_PREFIX = "11"

# The headers every response carries (SPEC: HTTP).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
}

# Status of each error code of the contract.
ERROR_STATUS = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "csrf": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}


class Response:
    """A complete HTTP response: status, headers (case-insensitive), body."""

    def __init__(self, method, path, status, headers, body):
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers          # http.client.HTTPMessage
        self.body = body                # bytes

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def header_all(self, name):
        return self.headers.get_all(name) or []

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError("%s %s: body is not JSON (%s): %r"
                                 % (self.method, self.path, e, self.body[:300]))

    def __repr__(self):
        return "<%s %s -> %d %r>" % (self.method, self.path, self.status,
                                     self.body[:300])


class Session:
    """A signed-in user: bearer token, CSRF token and the user object."""

    def __init__(self, server, username, login_body):
        self.server = server
        self.username = username
        self.token = login_body["token"]
        self.csrf = login_body["csrf_token"]
        self.user = login_body["user"]
        self.login_body = login_body

    def request(self, method, path, body=None, *, cookie=False, csrf=True,
                **kw):
        """Send as this user: by bearer token, or (cookie=True) by session
        cookie, adding X-CSRF-Token unless csrf=False."""
        headers = dict(kw.pop("headers", None) or {})
        if cookie:
            headers["Cookie"] = "fk_session=" + self.token
            if csrf:
                headers["X-CSRF-Token"] = self.csrf
        else:
            headers["Authorization"] = "Bearer " + self.token
        return self.server.request(method, path, body, headers=headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Server:
    """A fangkong server on 127.0.0.1 with its own fresh database."""

    def __init__(self, name, demo=True):
        os.makedirs(TMP, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=TMP)
        self.db = os.path.join(self.dir, "t.db")
        self.proc = None
        self.port = None
        self.generation = 0
        if not os.access(BIN, os.X_OK):
            raise RuntimeError("no fangkong binary at %s (set FANGKONG_BIN)" % BIN)
        args = ["init", "--db", self.db] + (["--demo"] if demo else [])
        r = self.cli(*args)
        if r.returncode != 0:
            raise RuntimeError("fangkong %s failed (%d): %s"
                               % (" ".join(args), r.returncode, r.stderr))

    # ---- the command line -------------------------------------------------

    def cli(self, *args, input=None, timeout=120):
        """Run `fangkong ARGS...`; returns CompletedProcess (text mode)."""
        return subprocess.run([BIN] + list(args), input=input,
                              capture_output=True, text=True, timeout=timeout)

    # ---- the server process -----------------------------------------------

    def start(self, *extra_args, timeout=30, env=None, own_args=True):
        """Start `fangkong serve --db DB --listen 127.0.0.1:0 [EXTRA_ARGS...]`
        (without --db and --listen if own_args is false; env adds to the
        environment) and wait for its `listening on` line."""
        assert self.proc is None, "server already running"
        self.generation += 1
        self.out_path = os.path.join(self.dir, "serve%d.out" % self.generation)
        self.err_path = os.path.join(self.dir, "serve%d.err" % self.generation)
        # Files, not pipes: a request log nobody drains must not block
        # the server.
        args = [BIN, "serve"]
        if own_args:
            args += ["--db", self.db, "--listen", "127.0.0.1:0"]
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                args + list(extra_args), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env=dict(os.environ, **env) if env else None)
        deadline = time.monotonic() + timeout
        prefix = "listening on http://127.0.0.1:"
        while time.monotonic() < deadline:
            with open(self.out_path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if line.startswith(prefix):
                        self.port = int(line[len(prefix):].strip().rstrip("/"))
                        return self
            if self.proc.poll() is not None:
                raise RuntimeError("fangkong serve exited %d before listening: %s"
                                   % (self.proc.returncode, self.stderr_text()))
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("fangkong serve did not print '%s...' within %ds"
                           % (prefix, timeout))

    def stop(self, timeout=30):
        """SIGTERM the server; returns its exit code (None if it hung and
        had to be killed)."""
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None

    def kill(self):
        """kill -9 the server (no chance to flush anything)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()

    def stderr_text(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        if self.proc is not None:
            self.kill()
        if os.environ.get("FANGKONG_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- HTTP -------------------------------------------------------------

    def request(self, method, path, body=None, *, headers=None,
                content_type=None, raw=None, timeout=30):
        """Send one request on a fresh connection.

        body     a Python value sent as JSON (Content-Type application/json
                 unless content_type says otherwise)
        raw      bytes or str sent as they are (with content_type if given)
        headers  extra request headers
        """
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
            if content_type is not None:
                h["Content-Type"] = content_type
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = content_type or "application/json"
        elif content_type is not None:
            h["Content-Type"] = content_type
        if data is None and method in ("POST", "PUT"):
            data = b""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            payload = r.read()
            return Response(method, path, r.status, r.headers, payload)
        finally:
            conn.close()

    def login_raw(self, username, password, address_headers=None):
        return self.request("POST", "/api/v1/login",
                            {"username": username, "password": password},
                            headers=address_headers)

    def login(self, username, password=None):
        """Log in (demo password by default); fails the test unless 200."""
        if password is None:
            password = DEMO[username]
        r = self.login_raw(username, password)
        if r.status != 200:
            raise AssertionError("login %s: expected 200, got %r" % (username, r))
        return Session(self, username, r.json())


class ServerTestCase(unittest.TestCase):
    """One server per module, with a session for each demo login named in
    LOGINS (as cls.s[username])."""

    LOGINS = tuple(DEMO)
    server = None
    s = {}

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.__module__)
        try:
            cls.server.start()
            cls.s = {u: cls.server.login(u) for u in cls.LOGINS}
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        srv = cls.server
        try:
            rc = srv.stop()
            if rc != 0:
                raise AssertionError("fangkong serve: SIGTERM should exit 0, got %r; "
                                     "stderr tail:\n%s" % (rc, srv.stderr_text()[-2000:]))
        finally:
            srv.cleanup()

    # ---- shorthands -------------------------------------------------------

    def req(self, method, path, body=None, **kw):
        """Anonymous request."""
        return self.server.request(method, path, body, **kw)

    def assertStatus(self, r, status, msg=None):
        if r.status != status:
            self.fail("%s %s: expected %d, got %d %r%s"
                      % (r.method, r.path, status, r.status, r.body[:500],
                         (" (" + msg + ")") if msg else ""))

    def assertError(self, r, status, code=None, field=None):
        """r is an error response in the contract's format:
        {"error":{"code","message","field"}} with this status (and code and
        field if given)."""
        self.assertStatus(r, status)
        ctype = r.header("Content-Type", "")
        self.assertTrue(ctype.startswith("application/json"),
                        "%s %s: error Content-Type %r" % (r.method, r.path, ctype))
        body = r.json()
        self.assertIsInstance(body, dict, r)
        self.assertIn("error", body, r)
        e = body["error"]
        self.assertIsInstance(e, dict, r)
        self.assertIsInstance(e.get("code"), str, r)
        self.assertIsInstance(e.get("message"), str, r)
        self.assertTrue(e["message"], "%r: empty error message" % r)
        if code is None:
            code = {v: k for k, v in ERROR_STATUS.items() if k != "csrf"}.get(status)
        if code is not None:
            self.assertEqual(e["code"], code, r)
        if field is not None:
            self.assertEqual(e.get("field"), field, r)
        return e

    def assertSecurityHeaders(self, r):
        for name, value in SECURITY_HEADERS.items():
            self.assertEqual(r.header(name), value,
                             "%s %s: header %s" % (r.method, r.path, name))

    def all_people(self, session, limit=1000):
        """Every person session may list, following `next`."""
        items, after, seen = [], None, 0
        while True:
            path = "/api/v1/people?limit=%d" % limit
            if after is not None:
                path += "&after=" + urllib.parse.quote(after, safe="")
            r = session.get(path)
            self.assertStatus(r, 200)
            body = r.json()
            items.extend(body["items"])
            after = body["next"]
            seen += 1
            if after is None:
                return items
            self.assertLess(seen, 10000, "people listing never ends")

    def all_pages(self, session, path, cursor="after", limit=None, max_pages=10000):
        """Every item of a paged list route ({"items", "next"}), following
        `next` as the query parameter `cursor` (after or before). path may
        carry its own query string."""
        items, key, pages = [], None, 0
        sep = "&" if "?" in path else "?"
        while True:
            p = path
            q = []
            if limit is not None:
                q.append("limit=%d" % limit)
            if key is not None:
                q.append("%s=%s" % (cursor, urllib.parse.quote(str(key), safe="")))
            if q:
                p += sep + "&".join(q)
            r = session.get(p)
            self.assertStatus(r, 200)
            body = r.json()
            items.extend(body["items"])
            key = body.get("next")
            pages += 1
            if key is None:
                return items
            self.assertLess(pages, max_pages, "%s: listing never ends" % path)


# ---- dates (issue 3: daily reports) -------------------------------------------

# Fangkong's calendar days are China Standard Time (UTC+8, no DST).
CST = datetime.timezone(datetime.timedelta(hours=8), "CST")


def today_cst():
    """Today in China Standard Time, as "YYYY-MM-DD"."""
    return datetime.datetime.now(CST).date().isoformat()


def add_days(date, n):
    """The "YYYY-MM-DD" date n days after date (n may be negative)."""
    return (datetime.date.fromisoformat(date) + datetime.timedelta(days=n)).isoformat()


# ---- case management (issue 4) ---------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17):
    """The GB 11643 check character of the first 17 digits of a resident
    identity number: sum of digit x weight, mod 11, mapped to 1 0 X 9 ... 2."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("17 digits expected: %r" % first17)
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def resident_id(serial, region="110108", birth="19850312"):
    """A valid 18-character resident ID: region (6), birth date (8), a
    3-digit serial and the check character."""
    first17 = "%s%s%03d" % (region, birth, serial % 1000)
    return first17 + id_check_char(first17)


# ---- regional risk and return to work (issue 5) -------------------------------

SERIES_HEADER = "date,region_code,new_confirmed,new_clusters,new_asymptomatic"


def series_csv(rows, header=SERIES_HEADER):
    """A plain-format series file: header, then one line per row (a
    tuple of values, or a string taken as it is)."""
    lines = [header]
    for row in rows:
        lines.append(row if isinstance(row, str) else ",".join(str(v) for v in row))
    return "\n".join(lines) + "\n"


def import_series(session, text, fmt="plain"):
    """POST /api/v1/series/import?format=FMT with text as a text/csv body."""
    return session.post("/api/v1/series/import?format=" + fmt, raw=text,
                        content_type="text/csv")


def seed_series(session, text, source=None):
    """Import a plain series as session (an official) under source
    (default "plain"); fails unless 200.  Returns the import report."""
    path = "/api/v1/series/import?format=plain"
    if source:
        path += "&source=" + urllib.parse.quote(source, safe="")
    r = session.post(path, raw=text, content_type="text/csv")
    if r.status != 200:
        raise AssertionError("series import: expected 200, got %r" % r)
    return r.json()


# ---- webhooks ------------------------------------------------------------------

class Receiver:
    """A tiny HTTP server on 127.0.0.1 (port 0) in a thread, recording
    every POST as (path, parsed JSON body or raw bytes). hold=True keeps
    each request waiting until release() (a webhook that hangs)."""

    def __init__(self, hold=False):
        self.posts = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        if not hold:
            self.gate.set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n)
                try:
                    body = json.loads(data.decode("utf-8"))
                except ValueError:
                    body = data
                with outer.lock:
                    outer.posts.append((self.path, body, dict(self.headers)))
                outer.gate.wait(30)
                out = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait_for(self, pred, timeout=10.0):
        """The first recorded POST for which pred(path, body) holds, polling
        up to timeout seconds; None if none came."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                for path, body, _ in self.posts:
                    if pred(path, body):
                        return path, body
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def release(self):
        self.gate.set()

    def close(self):
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()
