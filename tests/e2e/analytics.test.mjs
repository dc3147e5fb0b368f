// analytics.test.mjs -- browser test of the analytics page (analytics.html):
// Rt with its band, early-warning alarms and the SEIR fit and forecast of
// a region; the organisation's fever-or-cough check-ins; stored signals,
// running the detection for a day and acknowledging a signal.
//
// On a fresh demo database, at a phone viewport, with real data through
// the API (no mocks): a health official imports a synthetic epidemic for
// Wuhan (420100, 2020-01-10..03-31: SEIR-shaped growth until the 23 January
// lockdown and decline after it) with a spike on 2020-02-12
// (POST /api/v1/series/import?format=plain); the office creates a
// department of its own (分析测试部, twelve people) and files their daily
// reports for 2020-02-10..03-10 on their behalf, with fever or cough in at
// most one report a day until eight on 2020-03-10.  Then, as the office:
// the Rt chart has a band (q025..q975) and a mean line whose values are the
// API's, with a dashed line at 1; the alarm chart marks 2020-02-12 (and its
// alarms are the API's for C2 and then C1); the SEIR chart has the
// observed points, the fit, the change point 2020-01-23 and a forecast
// median with both bands over the 14 days of the horizon, and the table
// gives the API's R0 of each period; an unknown region (990000) shows the
// API's message in place of each chart.  The department's check-ins alarm
// on 2020-03-10; running the detection for that day from the page lists
// the department's signal, and acknowledging it with a note shows it
// acknowledged.  The head of 科研一部 sees only their subtree and not that
// signal; an official has no organisation view; an analyst cannot
// acknowledge; staff are refused the page.  Screenshots in zh and en go to
// tests/e2e/screens/.  No Content-Security-Policy violation, script error
// or missing file along the way.
//
// Environment: see harness.mjs (FANGKONG_BIN, FANGKONG_TEST_TMP,
// FANGKONG_WEB_DIR).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, apiLogin, assertFits, screen } from './harness.mjs';
import * as ui from './harness.mjs';

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * 86400000).toISOString().slice(0, 10);
}

const REGION = '420100';
const FROM = '2020-01-10';
const TO = '2020-03-31';
const SPIKE = '2020-02-12';          // the region's outbreak of reports
const CHANGE = '2020-01-23';
const HORIZON = 14;

const DEPT = '分析测试部';
const PEOPLE = 12;
const CHECK_FROM = '2020-02-10';
const CHECK_TO = '2020-03-10';       // the department's spike of fever and cough
const SPIKE_SICK = 8;
const NOTE = '已电话随访，均已居家观察';

// A deterministic SEIR epidemic (N = 11 million, 1/σ = 5.2 days, 1/γ = 2.9
// days, R0 2.9 until the lockdown and 0.73 after), +-15% noise from a fixed
// LCG, and three times the count plus 100 on SPIKE.
function epidemic() {
  const N = 11e6, sigma = 1 / 5.2, gamma = 1 / 2.9;
  let S = N - 3000, E = 3000, I = 0;
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const rows = [];
  for (let day = FROM; day <= TO; day = addDays(day, 1)) {
    const beta = day < CHANGE ? 1.0 : 0.25;
    let cases = 0;
    for (let k = 0; k < 10; k++) {   // ten steps a day
      const inf = beta * S * I / N / 10, inc = sigma * E / 10, rec = gamma * I / 10;
      S -= inf; E += inf - inc; I += inc - rec; cases += inc;
    }
    let c = Math.round(cases * (0.85 + 0.3 * rnd()));
    if (day === SPIKE)
      c = c * 3 + 100;
    rows.push([day, c]);
  }
  return rows;
}

// Whether person k (0-based) reports fever or cough on day i of the check-ins.
function sick(i, k, last) {
  return last ? k < SPIKE_SICK : (i * 5 + k) % 17 === 0;
}

describe('analytics in the browser', { timeout: 600000 }, () => {
  let t, page;
  let deptId = 0;
  let rtApi, c2Api, seirApi, orgApi, orgRtApi;

  const signIn = (username, password) => ui.signIn(page, t.server.base, username, password);

  const signOut = () => ui.signOut(page);

  const navLinks = () => ui.navLinks(page);

  const switchLanguage = (lang) => ui.switchLanguage(page, lang);

  async function api(token, method, p, body, type = 'application/json') {
    const res = await fetch(t.server.base + '/api/v1' + p, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': type } : {}) },
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: res.status, text, json };
  }

  // What a chart draws: its x axis, and each series by id.
  async function chartOf(id) {
    return page.evaluate((box) => {
      const c = window.echarts.getInstanceByDom(document.getElementById(box));
      if (!c)
        return null;
      const o = c.getOption();
      const series = {};
      for (const s of o.series)
        series[s.id] = { type: s.type, stack: s.stack || null, data: s.data,
                         markLine: s.markLine && s.markLine.data ? s.markLine.data : null,
                         lineStyle: s.lineStyle || null, areaStyle: s.areaStyle || null };
      return { x: o.xAxis[0].data, series };
    }, id);
  }

  async function canvasSize(selector) {
    return page.locator(`${selector} canvas`).first().evaluate((c) => [c.width, c.height]);
  }

  // The chart's value of a point: a number, or {value} for a styled one.
  const val = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v.value : v);
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

  async function ready(card) {
    await page.locator(`#${card}[data-state="ready"]`).waitFor();
  }

  before(async () => {
    t = await setUp('e2e-analytics-');
    page = t.page;
  });

  after(async () => {
    if (t)
      await t.close();
  });

  it('serves the page and its files under the strict policy', async () => {
    for (const p of ['/analytics.html', '/js/analytics.js', '/css/analytics.css']) {
      const res = await fetch(t.server.base + p);
      assert.equal(res.status, 200, `GET ${p}`);
      const csp = res.headers.get('content-security-policy') || '';
      assert.match(csp, /script-src 'self'/, `CSP of ${p}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP of ${p}`);
    }
    const html = await (await fetch(t.server.base + '/analytics.html')).text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|style="/, 'no inline script or style');
  });

  it('imports a region\'s epidemic and a department\'s check-ins', async () => {
    const official = await apiLogin(t.server.base, 'official', 'official-demo-2020');
    const csv = 'date,region_code,new_confirmed\n'
      + epidemic().map(([d, c]) => `${d},${REGION},${c}`).join('\n') + '\n';
    const imp = await api(official, 'POST', '/series/import?format=plain', csv, 'text/csv');
    assert.equal(imp.status, 200, `import: ${imp.text}`);

    const office = await apiLogin(t.server.base, 'office', 'office-demo-2020');
    const dep = await api(office, 'POST', '/departments', { name: DEPT });
    assert.equal(dep.status, 201, dep.text);
    deptId = dep.json.id;
    const ids = [];
    for (let k = 0; k < PEOPLE; k++) {
      const id = 'AN' + String(k + 1).padStart(2, '0');
      const r = await api(office, 'POST', '/people', { id, name: '分析' + (k + 1), kind: 'staff',
                                                       department_id: deptId, region_code: '110108' });
      assert.equal(r.status, 201, r.text);
      ids.push(id);
    }
    // every day, everyone; the office reports on their behalf for past days
    const jobs = [];
    for (let day = CHECK_FROM, i = 0; day <= CHECK_TO; day = addDays(day, 1), i++) {
      ids.forEach((id, k) => {
        const ill = sick(i, k, day === CHECK_TO);
        jobs.push({ person_id: id, date: day, region_code: '110108', location: 'home',
                    temperature_c: ill && k % 2 ? 38.2 : 36.5,
                    ...(ill ? { symptoms: [k % 2 ? 'fever' : 'cough'] } : {}) });
      });
    }
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const r = await api(office, 'POST', '/reports', job);
        assert.equal(r.status, 201, `report ${job.person_id} ${job.date}: ${r.text}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    // cases registered here over the check-in weeks: 1, 2, 3, ... a day,
    // then fewer -- the organisation's own Rt
    let k = 0;
    for (let day = CHECK_FROM, i = 0; day <= CHECK_TO; day = addDays(day, 1), i++) {
      const n = i < 12 ? 1 + (i >> 2) : i % 3 ? 1 : 0;
      for (let j = 0; j < n; j++, k++) {
        const sub = await api(official, 'POST', '/subjects', {
          name: '院内' + k, phone: '137' + String(k).padStart(8, '0'), region_code: '110108' });
        assert.equal(sub.status, 201, sub.text);
        const cs = await api(official, 'POST', '/cases', {
          subject_id: sub.json.id, classification: 'confirmed', report_date: day, region_code: '110108' });
        assert.equal(cs.status, 201, cs.text);
      }
    }
    orgRtApi = await api(office, 'GET', `/analytics/rt?scope=org&from=${CHECK_FROM}&to=${CHECK_TO}`);
    assert.equal(orgRtApi.status, 200, orgRtApi.text);
    assert.ok(orgRtApi.json.items.some((x) => x.mean !== null), orgRtApi.text);

    // what the page is to show, straight from the API
    const q = `region=${REGION}&from=${FROM}&to=${TO}`;
    rtApi = await api(office, 'GET', `/analytics/rt?${q}`);
    assert.equal(rtApi.status, 200, rtApi.text);
    c2Api = await api(office, 'GET', `/analytics/detect?scope=region&${q}&method=C2`);
    assert.equal(c2Api.status, 200, c2Api.text);
    assert.ok(c2Api.json.items.find((x) => x.date === SPIKE)?.alarm, `C2 alarms on ${SPIKE}: ${c2Api.text}`);
    seirApi = await api(office, 'GET', `/analytics/seir?${q}&change=${CHANGE}&family=nbinom&horizon=${HORIZON}`);
    assert.equal(seirApi.status, 200, seirApi.text);
    orgApi = await api(office, 'GET',
      `/analytics/detect?scope=checkins&department=${deptId}&from=${CHECK_FROM}&to=${CHECK_TO}&method=C2`);
    assert.equal(orgApi.status, 200, orgApi.text);
    const last = orgApi.json.items.find((x) => x.date === CHECK_TO);
    assert.equal(last?.observed, SPIKE_SICK, `${SPIKE_SICK} fever or cough on ${CHECK_TO}: ${orgApi.text}`);
    assert.equal(last.alarm, true, 'the department alarms on its last day');
  });

  it('shows the office Rt with its band, the API\'s numbers', async () => {
    await signIn('office', 'office-demo-2020');
    assert.ok((await navLinks()).includes('/analytics.html'), 'analytics in the navigation');
    assert.ok(await page.locator('#link-analytics').isVisible(), 'analytics on the home page');
    await page.click('.nav-link[href="/analytics.html"]');
    await page.waitForURL((url) => url.pathname === '/analytics.html');
    assert.equal(await page.inputValue('#region'), REGION);
    assert.equal(await page.inputValue('#from'), FROM);
    assert.equal(await page.inputValue('#to'), TO);
    await page.locator('#region-name').getByText('湖北省 武汉市').waitFor();
    await ready('rt-card');
    const [w, h] = await canvasSize('#rt-chart');
    assert.ok(w > 200 && h > 200, `Rt canvas ${w}x${h}`);

    const items = rtApi.json.items;
    const c = await chartOf('rt-chart');
    assert.deepEqual(c.x, items.map((x) => x.date_end), 'one point per window, at its last day');
    const mean = c.series['rt-mean'].data.map(val);
    items.forEach((x, i) => {
      if (x.mean === null)
        assert.equal(mean[i], null, `NA window ${x.date_end} is a gap`);
      else
        assert.ok(close(mean[i], x.mean), `mean of ${x.date_end}: ${mean[i]} vs ${x.mean}`);
    });
    // the band: the lower bound (invisible) and the width stacked on it, filled
    const lo = c.series['rt-lo'], band = c.series['rt-band'];
    assert.equal(lo.stack, band.stack, 'the band is stacked on its lower bound');
    assert.ok(band.areaStyle, 'the band is filled');
    items.forEach((x, i) => {
      if (x.mean === null)
        return;
      assert.ok(close(val(lo.data[i]), x.q025), `q025 of ${x.date_end}`);
      assert.ok(close(val(lo.data[i]) + val(band.data[i]), x.q975), `q975 of ${x.date_end}`);
      assert.ok(x.q025 <= x.mean && x.mean <= x.q975);
    });
    assert.ok(c.series['rt-mean'].markLine.some((m) => m.yAxis === 1), 'a line at Rt = 1');
    // growth before the lockdown, decline at the end: the summary says the last week's
    const lastEst = items.filter((x) => x.mean !== null).at(-1);
    assert.ok(items.find((x) => x.mean !== null).mean > 1 && lastEst.mean < 1, 'Rt falls below 1');
    const summary = await page.textContent('#rt-summary');
    assert.ok(summary.includes(lastEst.mean.toFixed(2)), `summary ${summary} has ${lastEst.mean.toFixed(2)}`);
    assert.match(summary, /低于 1/);
  });

  it('marks the spike as an alarm, with C2 and then C1', async () => {
    await ready('detect-card');
    let c = await chartOf('detect-chart');
    const items = c2Api.json.items;
    assert.deepEqual(c.x, items.map((x) => x.date));
    assert.deepEqual(c.series.observed.data.map(val), items.map((x) => x.observed));
    const alarmDays = (chart) => chart.series.alarms.data.map((p) => p[0]);
    assert.deepEqual(alarmDays(c), items.filter((x) => x.alarm === true).map((x) => x.date));
    assert.ok(alarmDays(c).includes(SPIKE), `${SPIKE} is marked`);
    const i = c.x.indexOf(SPIKE);
    assert.ok(c.series.observed.data[i].itemStyle, 'the spike\'s bar is coloured');
    assert.ok(close(c.series.upperbound.data[i], items[i].upperbound), 'the upper bound is the API\'s');
    assert.ok(items[i].observed > items[i].upperbound);
    assert.match(await page.textContent('#detect-summary'), /EARS C2/);
    assert.equal(await page.inputValue('#method'), 'C2', 'C2 by default');

    await page.selectOption('#method', 'C1');
    await page.waitForFunction(() => /EARS C1/.test(document.getElementById('detect-summary').textContent));
    await ready('detect-card');
    const office = await apiLogin(t.server.base, 'office', 'office-demo-2020');
    const c1 = await api(office, 'GET', `/analytics/detect?scope=region&region=${REGION}&from=${FROM}&to=${TO}&method=C1`);
    c = await chartOf('detect-chart');
    assert.deepEqual(alarmDays(c), c1.json.items.filter((x) => x.alarm === true).map((x) => x.date));
    assert.ok(alarmDays(c).includes(SPIKE), `C1 marks ${SPIKE} too`);
    assert.match(page.url(), /method=C1/);
    await page.selectOption('#method', 'C2');
    await page.waitForFunction(() => /EARS C2/.test(document.getElementById('detect-summary').textContent));
  });

  it('draws the SEIR fit, the change point and the forecast bands', async () => {
    await ready('seir-card');
    assert.equal(await page.inputValue('#change'), CHANGE);
    const s = seirApi.json;
    const c = await chartOf('seir-chart');
    const nObs = s.observed.length;
    assert.equal(s.forecast.length, HORIZON);
    assert.equal(c.x.length, nObs + HORIZON);
    assert.deepEqual(c.x.slice(nObs), s.forecast.map((f) => f.date));
    const nonNull = (d) => d.map(val).filter((v) => v !== null && v !== undefined);
    // observed points and the fitted mean over the fitted days
    assert.deepEqual(c.series['seir-observed'].data, s.observed.map((o) => [o.date, o.cases]));
    assert.equal(nonNull(c.series['seir-fit'].data).length, nObs);
    assert.ok(c.series['seir-fit'].markLine.some((m) => m.xAxis === CHANGE), 'the change point is marked');
    // the median and both bands over the horizon only
    const med = c.series['seir-median'].data.map(val);
    assert.equal(nonNull(med).length, HORIZON);
    s.forecast.forEach((f, k) => assert.ok(close(med[nObs + k], f.median), `median of ${f.date}`));
    for (const [name, a, b] of [['seir-pred', 'lower', 'upper'], ['seir-exp', 'expected_lower', 'expected_upper']]) {
      const lo = c.series[name + '-lo'].data.map(val), w = c.series[name + '-band'].data.map(val);
      assert.equal(c.series[name + '-lo'].stack, c.series[name + '-band'].stack);
      assert.ok(c.series[name + '-band'].areaStyle, `${name} is filled`);
      assert.equal(nonNull(w).length, HORIZON, `${name}: ${HORIZON} points`);
      s.forecast.forEach((f, k) => {
        assert.ok(close(lo[nObs + k], f[a]), `${name} ${a} of ${f.date}`);
        assert.ok(close(lo[nObs + k] + w[nObs + k], f[b]), `${name} ${b} of ${f.date}`);
      });
    }
    // the periods' R0 as the API gives them, rounded to two decimals
    const rows = page.locator('#seir-segments tbody tr');
    assert.equal(await rows.count(), s.fit.segments.length);
    assert.equal(s.fit.segments.length, 2);
    for (let k = 0; k < s.fit.segments.length; k++) {
      const seg = s.fit.segments[k];
      const text = await rows.nth(k).locator('[data-key="r0"]').textContent();
      for (const v of [seg.r0, seg.r0_lo, seg.r0_hi])
        assert.ok(text.includes(v.toFixed(2)), `R0 cell ${text} has ${v.toFixed(2)}`);
    }
    assert.equal(await rows.nth(1).getAttribute('data-from'), CHANGE);
    assert.ok(s.fit.segments[0].r0 > 1 && s.fit.segments[1].r0 < 1, 'R0 above 1, then below');
    await assertFits(page, 'analytics');
    await page.screenshot({ path: screen('analytics-phone-zh.png'), fullPage: true });
    await page.locator('#rt-card').screenshot({ path: screen('analytics-rt-phone-zh.png') });
    await page.locator('#detect-card').screenshot({ path: screen('analytics-alarms-phone-zh.png') });
    await page.locator('#seir-card').screenshot({ path: screen('analytics-seir-phone-zh.png') });
    await switchLanguage('en');
    await page.waitForFunction(() => /Week to/.test(document.getElementById('rt-summary').textContent));
    assert.match(await page.textContent('#rt-card h2'), /Reproduction number/);
    await page.screenshot({ path: screen('analytics-phone-en.png'), fullPage: true });
    await page.locator('#seir-card').screenshot({ path: screen('analytics-seir-phone-en.png') });
    await switchLanguage('zh-CN');
  });

  it('offers regions by name as the code is typed', async () => {
    await page.fill('#region', '宜昌');
    const opt = page.locator('#region-list option[value="420500"]');
    await opt.waitFor({ state: 'attached' });
    assert.equal(await opt.getAttribute('label') ?? await opt.evaluate((o) => o.label), '湖北省 宜昌市');
    await page.fill('#region', '朝阳区');
    await page.locator('#region-list option[value="110105"]').waitFor({ state: 'attached' });
    const labels = await page.locator('#region-list option').evaluateAll((os) => os.map((o) => o.label));
    assert.ok(labels.includes('北京市 朝阳区') && labels.includes('长春市 朝阳区'), `both 朝阳区: ${labels}`);
    await page.fill('#region', REGION);
    await page.locator('#region-name').getByText('湖北省 武汉市').waitFor();
  });

  it('shows the API\'s error in place of each chart', async () => {
    const office = await apiLogin(t.server.base, 'office', 'office-demo-2020');
    const bad = await api(office, 'GET', `/analytics/rt?region=990000&from=${FROM}&to=${TO}`);
    assert.ok(bad.status >= 400 && bad.status < 500, bad.text);
    await page.fill('#region', '990000');
    await page.locator('#region-name').getByText('没有这个地区代码').waitFor();
    await page.click('#region-submit');
    for (const card of ['rt', 'detect', 'seir']) {
      await page.locator(`#${card}-card[data-state="error"]`).waitFor();
      const box = page.locator(`#${card}-error`);
      assert.ok(await box.isVisible(), `${card}: the error is shown`);
      assert.ok(!(await page.locator(`#${card}-chart`).isVisible()), `${card}: no empty chart`);
    }
    const text = await page.textContent('#rt-error');
    assert.ok(text.includes(bad.json.error.message), `the API's message: ${text}`);
    if (bad.json.error.field)
      assert.ok(text.includes(bad.json.error.field), `the field: ${text}`);
    assert.ok(!(await page.locator('#seir-fit').isVisible()), 'no table of a failed fit');
    await page.locator('#rt-card').screenshot({ path: screen('analytics-error-phone-zh.png') });
    // a region that exists but has no series: the API's 404 message
    const none = await api(office, 'GET', `/analytics/rt?region=110101&from=${FROM}&to=${TO}`);
    assert.equal(none.status, 404, none.text);
    await page.fill('#region', '110101');
    await page.locator('#region-name').getByText('北京市 东城区').waitFor();
    await page.click('#region-submit');
    await page.waitForFunction((m) => document.getElementById('rt-error').textContent.includes(m),
      none.json.error.message);
    await page.locator('#seir-card[data-state="error"]').waitFor();
    assert.ok(!(await page.locator('#rt-chart').isVisible()));
    // a bad range is refused on the page
    await page.fill('#region', REGION);
    await page.fill('#from', TO);
    await page.fill('#to', FROM);
    await page.click('#region-submit');
    await page.locator('#region-form-error').getByText('起始日期不能晚于截止日期').waitFor();
    await page.fill('#from', FROM);
    await page.fill('#to', TO);
    await page.click('#region-submit');
    await ready('rt-card');
    await ready('seir-card');
    assert.ok(await page.locator('#rt-chart').isVisible(), 'the chart is back');
  });

  it('shows the department\'s fever and cough check-ins with the alarm', async () => {
    await page.click('label[data-view="org"]');
    await page.locator('#org-view').waitFor();
    assert.match(page.url(), /view=org/);
    assert.equal(await page.inputValue('#org-dept'), '', 'the whole organisation by default');
    await page.selectOption('#org-dept', String(deptId));
    await page.fill('#org-from', CHECK_FROM);
    await page.fill('#org-to', CHECK_TO);
    await page.click('#org-submit');
    await page.waitForFunction((d) => {
      const c = window.echarts && window.echarts.getInstanceByDom(document.getElementById('org-chart'));
      return c && c.getOption().xAxis[0].data.at(-1) === d
        && document.getElementById('org-card').dataset.state === 'ready';
    }, CHECK_TO);
    const c = await chartOf('org-chart');
    assert.deepEqual(c.series.observed.data.map(val), orgApi.json.items.map((x) => x.observed));
    assert.ok(c.series.alarms.data.some((p) => p[0] === CHECK_TO && p[1] === SPIKE_SICK), `${CHECK_TO} alarms`);
    assert.match(await page.textContent('#org-summary'), /EARS C2：\d+ 天预警/);
    assert.equal(await page.textContent('#org-count'), String(c.series.alarms.data.length));
    await page.locator('#org-card').screenshot({ path: screen('analytics-org-phone-zh.png') });

    // the Rt of the cases registered here, beside it
    await page.waitForFunction((d) => {
      const c = window.echarts && window.echarts.getInstanceByDom(document.getElementById('orgrt-chart'));
      return c && c.getOption().xAxis[0].data.at(-1) === d
        && document.getElementById('orgrt-card').dataset.state === 'ready';
    }, CHECK_TO);
    const r = await chartOf('orgrt-chart');
    const items = orgRtApi.json.items;
    assert.deepEqual(r.x, items.map((x) => x.date_end));
    r.series['rt-mean'].data.map(val).forEach((m, i) => {
      if (items[i].mean === null)
        assert.equal(m, null, `NA window ${items[i].date_end} is a gap`);
      else
        assert.ok(close(m, items[i].mean), `org Rt of ${items[i].date_end}: ${m} vs ${items[i].mean}`);
    });
    assert.ok(r.series['rt-band'].areaStyle, 'with its band');
  });

  it('runs the detection for the spike day and lists the department\'s signal', async () => {
    await page.click('label[data-view="signals"]');
    await page.locator('#signals-view').waitFor();
    assert.ok(await page.locator('#run-card').isVisible(), 'the office runs the detection');
    await page.locator('#signals-card[data-state="ready"]').waitFor();
    const row = page.locator(`#sig-table tr[data-kind="department"][data-department-id="${deptId}"][data-date="${CHECK_TO}"]`);
    assert.equal(await row.count(), 0, 'no signal before the run');
    await page.fill('#run-date', CHECK_TO);
    await page.click('#run-submit');
    await page.locator('#run-done').waitFor();
    assert.match(await page.textContent('#run-done'), /新的预警 [1-9]/);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'open');
    assert.match(await row.locator('.sig-place').textContent(), new RegExp(DEPT));
    assert.match(await row.locator('.sig-count').textContent(), new RegExp(`观察值 ${SPIKE_SICK} · 上限 \\d`));
    assert.match(await row.locator('.sig-state').textContent(), /未处理/);
    // the office sees both kinds
    assert.ok(await page.locator('#sig-kind').isVisible());
    await page.selectOption('#sig-kind', 'region');
    await page.waitForFunction(() => [...document.querySelectorAll('#sig-table tbody tr')]
      .every((r) => r.dataset.kind === 'region'));
    await page.selectOption('#sig-kind', '');
    await row.waitFor();
    await assertFits(page, 'signals');
    await page.screenshot({ path: screen('analytics-signals-phone-zh.png'), fullPage: true });
  });

  it('acknowledges the signal with a note', async () => {
    const row = page.locator(`#sig-table tr[data-kind="department"][data-department-id="${deptId}"][data-date="${CHECK_TO}"]`);
    const id = await row.getAttribute('data-signal-id');
    await row.locator('.sig-ack > summary').click();
    await row.locator('input[name="note"]').fill(NOTE);
    await row.locator('.sig-ack-form button[type="submit"]').click();
    const acked = page.locator(`#sig-table tr[data-signal-id="${id}"][data-state="acked"]`);
    await acked.waitFor();
    assert.match(await acked.locator('.sig-state').textContent(), /已处理/);
    assert.match(await acked.locator('.sig-note').textContent(), new RegExp(NOTE));
    assert.match(await acked.locator('.sig-by').textContent(), /office/);
    assert.equal(await acked.locator('.sig-ack').count(), 0, 'no second acknowledgement');
    // the server has it
    const office = await apiLogin(t.server.base, 'office', 'office-demo-2020');
    const list = await api(office, 'GET', '/analytics/signals?kind=department');
    const s = list.json.items.find((x) => String(x.id) === id);
    assert.equal(s.acked_by, 'office');
    assert.equal(s.note, NOTE);
    // open ones only: it is gone
    await page.check('#sig-open');
    await page.waitForFunction((sid) => !document.querySelector(`#sig-table tr[data-signal-id="${sid}"]`), id);
    await page.uncheck('#sig-open');
    await acked.waitFor();
    await switchLanguage('en');
    assert.match(await acked.locator('.sig-state').textContent(), /Acknowledged/);
    assert.match(await page.textContent('#signals-title'), /Signals/);
    await page.screenshot({ path: screen('analytics-signals-phone-en.png'), fullPage: true });
    await switchLanguage('zh-CN');
    await signOut();
  });

  it('shows the head of another department only their subtree, not the signal', async () => {
    await signIn('head', 'head-demo-2020');
    assert.ok((await navLinks()).includes('/analytics.html'));
    await page.goto(t.server.base + '/analytics.html');
    await page.locator('#org-view').waitFor();
    assert.ok(!(await page.locator('label[data-view="region"]').isVisible()), 'no region view for a head');
    assert.ok(!(await page.locator('#region-view').isVisible()));
    const options = await page.locator('#org-dept option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(!options.includes(''), 'no whole-organisation choice');
    assert.ok(!options.includes(String(deptId)), 'not the other department');
    assert.equal(options[0], await page.inputValue('#org-dept'), 'their own department first and chosen');
    await ready('org-card');
    assert.ok(!(await page.locator('#orgrt-card').isVisible()), 'no Rt of the organisation\'s cases for a head');
    await page.click('label[data-view="signals"]');
    await page.locator('#signals-card[data-state="ready"]').waitFor();
    assert.ok(!(await page.locator('#run-card').isVisible()), 'a head does not run the detection');
    assert.ok(!(await page.locator('#sig-kind-field').isVisible()), 'departments only');
    assert.equal(await page.locator(`#sig-table tr[data-department-id="${deptId}"]`).count(), 0,
      'the other department\'s signal is not listed');
    assert.equal(await page.locator('#sig-table tr[data-kind="region"]').count(), 0);
    await page.screenshot({ path: screen('analytics-head-phone-zh.png'), fullPage: true });
    await signOut();
  });

  it('gives an official the region and the signals but not the organisation', async () => {
    await signIn('official', 'official-demo-2020');
    await page.click('.nav-link[href="/analytics.html"]');
    await page.waitForURL((url) => url.pathname === '/analytics.html');
    await ready('rt-card');
    assert.ok(!(await page.locator('label[data-view="org"]').isVisible()), 'no organisation view');
    assert.ok(!(await page.locator('#org-view').isVisible()));
    await page.goto(t.server.base + '/analytics.html?view=org');
    await page.locator('#region-view').waitFor();
    assert.ok(!(await page.locator('#org-view').isVisible()), 'not even by the URL');
    await page.click('label[data-view="signals"]');
    await page.locator('#signals-card[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#sig-table tr[data-kind="department"]').count(), 0, 'no department signals');
    await signOut();
  });

  it('lets an analyst look but not acknowledge, and keeps staff out', async () => {
    await signIn('analyst', 'analyst-demo-2020');
    await page.goto(t.server.base + '/analytics.html?view=signals');
    await page.locator('#signals-card[data-state="ready"]').waitFor();
    assert.ok(!(await page.locator('#run-card').isVisible()), 'an analyst does not run the detection');
    assert.equal(await page.locator('#sig-table .sig-ack').count(), 0, 'no acknowledgement');
    assert.ok(!(await page.locator('label[data-view="org"]').isVisible()));
    await page.click('label[data-view="region"]');
    await ready('rt-card');
    await signOut();

    await signIn('staff', 'staff-demo-2020');
    assert.ok(!(await navLinks()).includes('/analytics.html'), 'not in staff navigation');
    assert.ok(!(await page.locator('#link-analytics').isVisible()));
    await page.goto(t.server.base + '/analytics.html');
    await page.locator('#page-error').waitFor();
    assert.match(await page.textContent('#page-error'), /防控办公室/);
    assert.ok(!(await page.locator('#content').isVisible()));
    await signOut();
  });

  it('saw no policy violation, script error or missing file', () => {
    assert.deepEqual(t.seen.csp, [], 'CSP violations');
    assert.deepEqual(t.seen.errors, [], 'script errors');
    assert.deepEqual(t.seen.assets, [], 'missing files');
  });
});
