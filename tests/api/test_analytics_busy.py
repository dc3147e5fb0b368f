"""A SEIR fit holds its HTTP worker for up to seconds, so a server runs
only a quarter of its workers' worth at once: with `--threads 4`, one.
A second fit while one runs is 503 `unavailable` at once (the daily
reports keep their workers); the first still answers 200, and the next
fit after it runs.

The running fit is made long on purpose (a year of counts, 16 change
points, 5,000 forecast draws: seconds on any machine); the second request
is sent once /metrics shows the first one running (the gauge
fangkong_seir_fits_running).
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


class BusyTest(fk.ServerTestCase):

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

    def fits_running(self):
        text = self.req("GET", "/metrics").text
        for line in text.splitlines():
            if line.startswith("fangkong_seir_fits_running "):
                return int(line.split()[1])
        self.fail("no fangkong_seir_fits_running in /metrics")

    def test_one_fit_at_a_time_with_four_workers(self):
        self.assertIn("at most 1", self.req("GET", "/metrics").text)
        long_query = ("/api/v1/analytics/seir?region=%s&from=2020-01-01&to=2020-12-31"
                      "&change=%s&draws=5000&horizon=90" % (REGION, change_points()))
        short_query = "/api/v1/analytics/seir?region=%s&from=2020-06-01&to=2020-07-31" % REGION
        first = {}

        def run_first():
            first["r"] = self.s["analyst"].get(long_query, timeout=600)

        t = threading.Thread(target=run_first)
        t.start()
        # a worker serves the connections it accepted one at a time: let
        # the long request's worker take it alone before asking others
        time.sleep(0.3)
        # wait until the long fit runs (the gauge of /metrics says so)
        running = False
        while not running and t.is_alive():
            running = self.fits_running() == 1
            time.sleep(0.01)
        self.assertTrue(running, "the long fit was seen running: %r" % first.get("r"))
        busy = self.s["office"].get(short_query)
        t.join()
        self.assertError(busy, 503, "unavailable")
        self.assertIn("try again", busy.json()["error"]["message"])
        self.assertStatus(first["r"], 200)
        # the slot is free again: the next fit runs
        self.assertEqual(self.fits_running(), 0)
        self.assertStatus(self.s["office"].get(short_query), 200)


if __name__ == "__main__":
    unittest.main()
