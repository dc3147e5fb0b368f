"""`fangkong init --demo --demo-series` (what `make run` does): the demo
institute plus the built-in 2020 case series of Hubei and Beijing
(canghailan's rows, data/demo_series_hubei_beijing.csv), imported and
graded, so that a new user's risk and analytics pages show real data.
"""

import unittest

import fk


class DemoSeriesTest(fk.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = fk.Server(cls.__module__, demo=False)
        try:
            r = cls.server.cli("init", "--db", cls.server.db, "--demo", "--demo-series")
            assert r.returncode == 0, r.stderr
            cls.init_out = r.stdout
            cls.server.start()
            cls.s = {u: cls.server.login(u) for u in cls.LOGINS}
        except BaseException:
            cls.server.cleanup()
            raise

    def test_init_says_what_it_graded(self):
        self.assertIn("demo case series (Hubei and Beijing, 2020): 33 regions graded over "
                      "357 days", self.init_out)

    def test_series_and_levels_are_there(self):
        r = self.s["analyst"].get("/api/v1/series?region=420100&from=2020-02-13&to=2020-02-13")
        self.assertStatus(r, 200)
        rows = r.json()["items"]
        # the README's Wuhan +13,436 on 2020-02-13 (clinical diagnoses counted)
        self.assertEqual([(x["source"], x["new_confirmed"]) for x in rows],
                         [("canghailan", 13436)])
        h = self.s["official"].get("/api/v1/risk/420100/history")
        self.assertStatus(h, 200)
        self.assertTrue(h.json()["changes"], "Wuhan graded")

    def test_wuhan_rt_and_seir_work_out_of_the_box(self):
        r = self.s["office"].get("/api/v1/analytics/rt?region=420100&from=2020-01-20"
                                 "&to=2020-03-31")
        self.assertStatus(r, 200)
        by_end = {x["date_end"]: x["mean"] for x in r.json()["items"]}
        self.assertGreater(by_end["2020-01-31"], 1)
        self.assertLess(by_end["2020-02-29"], 1)
        r = self.s["analyst"].get("/api/v1/analytics/seir?region=420100&from=2020-01-10"
                                  "&to=2020-03-31&change=2020-01-23")
        self.assertStatus(r, 200)
        seg = r.json()["fit"]["segments"]
        self.assertGreater(seg[0]["r0"], seg[1]["r0"])

    def test_detection_on_the_real_series(self):
        # Wuhan's 13,436 on 2020-02-13 (clinical diagnoses added at once)
        # is far above its EARS C2 bound
        r = self.s["analyst"].get("/api/v1/analytics/detect?region=420100&from=2020-02-01"
                                  "&to=2020-02-20")
        self.assertStatus(r, 200)
        day = {x["date"]: x for x in r.json()["items"]}
        self.assertTrue(day["2020-02-13"]["alarm"], day["2020-02-13"])
        self.assertEqual(day["2020-02-13"]["observed"], 13436)
        # the daily run of that date stores it as a signal for Hubei's official
        r = self.s["office"].post("/api/v1/analytics/detect/run", {"date": "2020-02-13"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["regions_checked"], 33)
        wuhan = [x for x in r.json()["signals"] if x["region_code"] == "420100"]
        self.assertEqual(len(wuhan), 1, r.json()["signals"])
        self.assertEqual(wuhan[0]["region_name"], "武汉市")
        # the Beijing official sees no Hubei signal
        mine = self.s["official"].get("/api/v1/analytics/signals?from=2020-02-13").json()["items"]
        self.assertFalse([x for x in mine if x["region_code"].startswith("42")])

    def test_demo_series_needs_the_demo(self):
        other = self.server.db + "-2"
        r = self.server.cli("init", "--db", other, "--demo-series")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--demo-series goes with --demo", r.stderr)


if __name__ == "__main__":
    unittest.main()
