"""A SEIR fit computes for seconds.  Its request's connection is
suspended while one of a few analysis threads (a quarter of `--threads`,
at least one) runs it, so the HTTP workers -- and the other requests they
serve -- never wait for it; further fits queue for the analysis threads.

With `--threads 4` there is one analysis thread: a long fit (a year of
counts, 16 change points, 5,000 forecast draws: seconds on any machine)
runs, a second fit waits in the queue, and meanwhile a daily report and
/healthz are answered; then both fits answer 200.  The gauges of /metrics
say what runs and what waits.
"""

import datetime
import math
import threading
import time
import unittest

import fk

REGION = "420500"  # 宜昌, a census population built in


def rows():
    start = datetime.date(2020, 1, 1)
    out = []
    for i in range(366):
        # waves, so that every segment has cases
        n = int(20 + 15 * math.sin(i / 9.0) + 10 * math.sin(i / 31.0))
        out.append(((start + datetime.timedelta(days=i)).isoformat(), REGION, max(n, 0), 0, 0))
    return out


def change_points():
    start = datetime.date(2020, 1, 1)
    return ",".join((start + datetime.timedelta(days=20 * k)).isoformat() for k in range(1, 17))


class AnalysisThreadsTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = fk.Server(cls.__module__)
        try:
            cls.server.start("--threads", "4")
            cls.s = {u: cls.server.login(u) for u in cls.LOGINS}
            fk.seed_series(cls.s["official"], fk.series_csv(rows()), source="busy")
        except BaseException:
            cls.server.cleanup()
            raise

    def gauges(self):
        out = {}
        for line in self.req("GET", "/metrics").text.splitlines():
            for name in ("fangkong_http_analyses_queued", "fangkong_http_analyses_running"):
                if line.startswith(name + " "):
                    out[name] = int(line.split()[1])
        self.assertEqual(len(out), 2, "the analysis gauges are in /metrics")
        return out

    def wait_for(self, pred, threads):
        """Poll the gauges until pred holds; False if the threads ended first."""
        while any(t.is_alive() for t in threads):
            if pred(self.gauges()):
                return True
            time.sleep(0.01)
        return False

    def test_fits_leave_the_workers_free(self):
        long_query = ("/api/v1/analytics/seir?region=%s&from=2020-01-01&to=2020-12-31"
                      "&change=%s&draws=5000&horizon=90" % (REGION, change_points()))
        short_query = "/api/v1/analytics/seir?region=%s&from=2020-06-01&to=2020-07-31" % REGION
        got = {}

        def fit(key, session, query):
            got[key] = self.s[session].get(query, timeout=600)

        first = threading.Thread(target=fit, args=("long", "analyst", long_query))
        first.start()
        self.assertTrue(self.wait_for(lambda g: g["fangkong_http_analyses_running"] == 1, [first]),
                        "the long fit was seen running: %r" % got.get("long"))
        second = threading.Thread(target=fit, args=("short", "office", short_query))
        second.start()
        self.assertTrue(self.wait_for(lambda g: g["fangkong_http_analyses_queued"] == 1,
                                      [first, second]),
                        "the second fit waits for the one analysis thread")
        # meanwhile the workers answer everyone else
        r = self.s["office"].post("/api/v1/reports", {
            "person_id": "P0002", "date": fk.today_cst(), "temperature_c": 36.6,
            "region_code": "110108", "location": "home"})
        self.assertStatus(r, 201)
        self.assertStatus(self.req("GET", "/healthz"), 200)
        g = self.gauges()
        self.assertEqual((g["fangkong_http_analyses_running"], g["fangkong_http_analyses_queued"]),
                         (1, 1), "the report was answered while the fit ran")
        first.join()
        second.join()
        self.assertStatus(got["long"], 200)
        self.assertEqual(len(got["long"].json()["fit"]["segments"]), 17)
        self.assertStatus(got["short"], 200)
        g = self.gauges()
        self.assertEqual((g["fangkong_http_analyses_queued"], g["fangkong_http_analyses_running"]),
                         (0, 0))

    def test_a_stopping_server_answers_the_queued_fits(self):
        """SIGTERM while fits run and wait: both are answered, then the
        server exits 0 (tearDownClass checks the exit status)."""
        # on its own server: this one stops
        srv = fk.Server(self.__module__ + "-stop")
        try:
            srv.start("--threads", "4")
            official, analyst = srv.login("official"), srv.login("analyst")
            fk.seed_series(official, fk.series_csv(rows()), source="busy")
            long_query = ("/api/v1/analytics/seir?region=%s&from=2020-01-01&to=2020-12-31"
                          "&change=%s&draws=2000&horizon=30" % (REGION, change_points()))
            got = {}

            def fit(key):
                got[key] = analyst.get(long_query, timeout=600)

            threads = [threading.Thread(target=fit, args=(k,)) for k in ("a", "b")]
            for t in threads:
                t.start()
            seen = False
            while not seen and any(t.is_alive() for t in threads):
                text = srv.request("GET", "/metrics").text
                seen = ("fangkong_http_analyses_queued 1" in text
                        and "fangkong_http_analyses_running 1" in text)
                time.sleep(0.01)
            self.assertTrue(seen, "one fit runs and one waits")
            self.assertEqual(srv.stop(), 0)
            for t in threads:
                t.join()
            self.assertEqual(sorted(r.status for r in got.values()), [200, 200])
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
