// risk.test.mjs -- browser test of regional risk levels and the return to
// work: the risk map and table, one region's timeline, an official's
// override and response level, resumption plans and who may come in.
//
// On a fresh demo database, at a phone viewport: a health official imports
// a small case series over the API (POST /api/v1/series/import?format=plain)
// that gives the Wuhan districts 420106 and 420102 more than 50 cases with
// a cluster within 14 days and Beijing's 110108 no case for 20 days, and
// grades the last 30 days (POST /api/v1/risk/grade).  Staff P0001 reports
// travel to 420106, the office reports six green people of 科研一部.  Then:
// the map is drawn (a canvas of non-zero size, Hubei high, a legend of three
// levels); the table lists 420106 as high with a reason that mentions 50,
// in Chinese and in English, and its timeline opens (bars and levels, the
// changes with their reasons); the official overrides 110108 to medium
// with a reason and the table shows it with the override mark, and sets
// Beijing's response level to II.  The department head submits a plan
// (cap 1/2) that the office approves: the department then shows a 50% cap
// and min(eligible, 50% of people) allowed.  P0001 is listed as not to come
// in, "came from a risk area" and under observation.  Everyone sees the
// risk page in the navigation, the office and the head also the return to
// work.  No Content-Security-Policy violation, script error or missing file
// along the way.
//
// While the server cannot import series or grade (404 or 500 from those two
// routes), the tests that need graded levels are marked TODO.
//
// Environment: see harness.mjs (FANGKONG_BIN, FANGKONG_TEST_TMP,
// FANGKONG_WEB_DIR).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, apiLogin, assertFits, screen } from './harness.mjs';
import * as ui from './harness.mjs';

function cstToday() {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date());
}

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * 86400000).toISOString().slice(0, 10);
}

const TODAY = cstToday();
const D = (n) => addDays(TODAY, -n);

// date,region_code,new_confirmed,new_clusters,new_asymptomatic
const SERIES = [
  'date,region_code,new_confirmed,new_clusters,new_asymptomatic',
  `${D(20)},420106,30,0,0`,
  `${D(10)},420106,25,1,2`,
  `${D(3)},420106,5,0,0`,
  `${D(25)},420102,40,0,0`,
  `${D(8)},420102,15,1,0`,
  `${D(20)},110108,3,0,0`,
].join('\n') + '\n';

const OVERRIDE_REASON = '海淀区某小区出现聚集性疫情，调整为中风险';
const PLAN_DEPT = 2;   // 科研一部, the demo head's department
const REPORTED = 6;    // green reports the office makes for its staff today

describe('area risk and return to work in the browser', { timeout: 300000 }, () => {
  let t, page;
  let graded = false;       // the server imported the series and graded them
  let notGraded = '';       // why not, for the TODO marks

  const signIn = (username, password) => ui.signIn(page, t.server.base, username, password);

  const signOut = () => ui.signOut(page);

  const navLinks = () => ui.navLinks(page);

  const switchLanguage = (lang) => ui.switchLanguage(page, lang);

  // The pixel size of the canvas ECharts drew into inside a box.
  async function canvasSize(selector) {
    return page.locator(`${selector} canvas`).first().evaluate((c) => [c.width, c.height]);
  }

  // Call the API with a bearer token (no CSRF needed).
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

  function needsGrading(tc) {
    if (!graded) {
      tc.todo(`needs graded levels: ${notGraded}`);
      return true;
    }
    return false;
  }

  before(async () => {
    t = await setUp('e2e-risk-');
    page = t.page;
  });

  after(async () => {
    if (t)
      await t.close();
  });

  it('serves the new pages and the map under the strict policy', async () => {
    for (const p of ['/risk.html', '/rtw.html', '/js/risk.js', '/js/rtw.js', '/vendor/echarts.min.js',
                     '/vendor/china.js']) {
      const res = await fetch(t.server.base + p);
      assert.equal(res.status, 200, `GET ${p}`);
      const csp = res.headers.get('content-security-policy') || '';
      assert.match(csp, /script-src 'self'/, `CSP of ${p}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP of ${p}`);
    }
    const map = await (await fetch(t.server.base + '/vendor/china.js')).text();
    assert.match(map, /registerMap\('china'/, 'china.js registers the map');
    assert.match(map, /"id":"420000"/, 'the provinces carry their GB/T 2260 codes');
  });

  it('imports a case series, grades it, and takes today\'s reports', async (tc) => {
    const official = await apiLogin(t.server.base, 'official', 'official-demo-2020');
    const imp = await api(official, 'POST', '/series/import?format=plain', SERIES, 'text/csv');
    let grade = null;
    if (imp.status === 200 || imp.status === 201)
      grade = await api(official, 'POST', '/risk/grade', { from: D(29), to: TODAY });
    if (imp.status === 404 || imp.status === 500)
      notGraded = `POST /api/v1/series/import answers ${imp.status}: ${imp.text}`;
    else if (grade && (grade.status === 404 || grade.status === 500))
      notGraded = `POST /api/v1/risk/grade answers ${grade.status}: ${grade.text}`;
    else {
      assert.ok(imp.status === 200 || imp.status === 201, `import: ${imp.status} ${imp.text}`);
      assert.equal(grade.status, 200, `grade: ${grade.text}`);
      assert.ok(grade.json.last_day.high >= 2, `two high-risk districts on the last day: ${grade.text}`);
      graded = true;
    }

    // staff P0001 came back from 420106 (in Chaoyang now, to keep Haidian out of it)
    const staff = await apiLogin(t.server.base, 'staff', 'staff-demo-2020');
    const rep = await api(staff, 'POST', '/reports', {
      temperature_c: 36.5, region_code: '110105', location: 'home', travel_regions: ['420106'],
    });
    assert.ok(rep.status === 200 || rep.status === 201, `staff report: ${rep.status} ${rep.text}`);

    // the office reports six green members of staff of 科研一部 (in Chaoyang)
    const office = await apiLogin(t.server.base, 'office', 'office-demo-2020');
    const rtw = await api(office, 'GET', '/return-to-work');
    assert.equal(rtw.status, 200, rtw.text);
    const staffOf2 = rtw.json.people.filter((p) => p.department_id === PLAN_DEPT && p.kind === 'staff'
                                            && p.person_id !== 'P0001');
    assert.ok(staffOf2.length >= REPORTED, `${REPORTED} staff in department ${PLAN_DEPT}`);
    for (const p of staffOf2.slice(0, REPORTED)) {
      const r = await api(office, 'POST', '/reports', {
        person_id: p.person_id, temperature_c: 36.4, region_code: '110105', location: 'home',
      });
      assert.ok(r.status === 200 || r.status === 201, `report for ${p.person_id}: ${r.status} ${r.text}`);
    }
    if (!graded)
      tc.todo(notGraded);
  });

  it('shows every role the risk page, and the head and the office the return to work', async () => {
    await signIn('staff', 'staff-demo-2020');
    let links = await navLinks();
    assert.ok(links.includes('/risk.html'), `staff: ${links}`);
    assert.ok(!links.includes('/rtw.html'), `staff: ${links}`);
    assert.ok(await page.locator('#link-risk').isVisible(), 'risk on the staff home');
    assert.ok(!(await page.locator('#link-rtw').isVisible()), 'no return to work for staff');
    // staff read the levels; only officials change them
    await page.click('#link-risk');
    await page.locator('#map canvas').waitFor();
    await page.locator('#resp-card').waitFor();
    for (const id of ['#override-card', '#grade-card', '#resp-details'])
      assert.ok(!(await page.locator(id).isVisible()), `no ${id} for staff`);
    await signOut();

    await signIn('analyst', 'analyst-demo-2020');
    assert.deepEqual(await navLinks(), ['/', '/chains.html', '/risk.html', '/analytics.html']);
    await signOut();

    await signIn('head', 'head-demo-2020');
    links = await navLinks();
    assert.ok(links.includes('/risk.html') && links.includes('/rtw.html'), `head: ${links}`);
    assert.ok(await page.locator('#link-rtw').isVisible(), 'return to work on the head\'s home');
    // the return-to-work page refuses staff
    await signOut();
    await signIn('staff', 'staff-demo-2020');
    await page.goto(t.server.base + '/rtw.html');
    await page.locator('#page-error').waitFor();
    assert.match(await page.textContent('#page-error'), /部门负责人/);
    assert.ok(!(await page.locator('#content').isVisible()));
    await signOut();
  });

  it('draws the map of China with a legend of three levels', async () => {
    await signIn('official', 'official-demo-2020');
    await page.click('.nav-link[href="/risk.html"]');
    await page.waitForURL((url) => url.pathname === '/risk.html');
    await page.locator('#map canvas').waitFor();
    const [w, h] = await canvasSize('#map');
    assert.ok(w > 200 && h > 200, `map canvas ${w}x${h}`);
    for (const level of ['high', 'medium', 'low'])
      assert.ok(await page.locator(`#map-legend li[data-level="${level}"]`).isVisible(), `legend: ${level}`);
    assert.deepEqual(await page.locator('#map-legend li[data-level]').evaluateAll(
      (ls) => ls.map((l) => l.textContent.trim())), ['高风险', '中风险', '低风险', '未评定']);
    // the chart has the 34 provinces in its data (ECharts adds the South China Sea islands)
    const provinces = await page.evaluate(() => {
      const c = window.echarts.getInstanceByDom(document.getElementById('map'));
      return c.getOption().series[0].data.filter((d) => d.code).map((d) => [d.code, d.level]);
    });
    assert.equal(provinces.length, 34);
    if (graded) {
      await page.locator('#region-table tr[data-code="420106"]').waitFor();
      assert.deepEqual(provinces.find((p) => p[0] === '42'), ['42', 'high'], 'Hubei is high');
      assert.deepEqual(provinces.find((p) => p[0] === '11'), ['11', 'low'], 'Beijing is low');
      assert.ok(Number(await page.textContent('#n-high')) >= 2, 'two high-risk regions or more');
    }
    await assertFits(page, 'risk');
    await page.screenshot({ path: screen('risk-phone-zh.png'), fullPage: true });
    await page.locator('#map').screenshot({ path: screen('risk-map-phone-zh.png') });
    // tapping Hubei lists only Hubei's regions
    await page.locator('#map').scrollIntoViewIfNeeded();
    const [x, y] = await page.evaluate(() => {
      const c = window.echarts.getInstanceByDom(document.getElementById('map'));
      const box = document.getElementById('map').getBoundingClientRect();
      const p = c.convertToPixel({ seriesIndex: 0 }, [112.6, 30.9]);   // in Hubei
      return [box.left + p[0], box.top + p[1]];
    });
    await page.mouse.click(x, y);
    await page.waitForFunction(() => document.getElementById('filter-prefix').value === '42');
    assert.equal(await page.inputValue('#filter-province'), '42');
    if (graded) {
      await page.locator('#region-table tr[data-code="420106"]').waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('#region-table tbody tr')]
        .every((r) => r.dataset.code.startsWith('42')));
    }
    await page.selectOption('#filter-province', '');
    await page.waitForFunction(() => document.getElementById('filter-prefix').value === '');
    // a name typed into the prefix offers the matching codes
    await page.fill('#filter-prefix', '武汉');
    const opt = page.locator('#filter-prefix-list option[value="420100"]');
    await opt.waitFor({ state: 'attached' });
    assert.equal(await opt.evaluate((o) => o.label), '湖北省 武汉市');
    await page.fill('#filter-prefix', '');
  });

  it('lists 420106 as high with its reason, and opens its timeline', async (tc) => {
    if (needsGrading(tc))
      return;
    const row = page.locator('#region-table tr[data-code="420106"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-level'), 'high');
    assert.equal((await row.locator('.risk-level .pill').textContent()).trim(), '高风险');
    const reasonZh = (await row.locator('.risk-reason').textContent()).trim();
    assert.match(reasonZh, /50/, `the reason names the threshold: ${reasonZh}`);
    assert.match(await row.locator('.region-sub').textContent(), /湖北省 武汉市/);
    assert.equal(await page.getAttribute('#region-table tr[data-code="420102"]', 'data-level'), 'high');
    assert.equal(await page.getAttribute('#region-table tr[data-code="110108"]', 'data-level'), 'low');
    // the filters: only high ones; then only Beijing's
    await page.selectOption('#filter-level', 'high');
    await page.waitForFunction(() => [...document.querySelectorAll('#region-table tbody tr')]
      .every((r) => r.dataset.level === 'high') && document.querySelector('#region-table tbody tr'));
    assert.match(page.url(), /level=high/);
    await page.selectOption('#filter-level', '');
    await page.selectOption('#filter-province', '11');
    await page.locator('#region-table tr[data-code="110108"]').waitFor();
    await page.waitForFunction(() => !document.querySelector('#region-table tr[data-code="420106"]'));
    assert.equal(await page.inputValue('#filter-prefix'), '11');
    await page.selectOption('#filter-province', '');
    await row.waitFor();
    // in English the reason is the server's English text
    await switchLanguage('en');
    const reasonEn = (await row.locator('.risk-reason').textContent()).trim();
    assert.notEqual(reasonEn, reasonZh, 'the reason has an English text');
    assert.match(reasonEn, /50/);
    assert.equal((await row.locator('.risk-level .pill').textContent()).trim(), 'High risk');
    await switchLanguage('zh-CN');

    // the timeline
    await row.locator('a.region-link').click();
    await page.waitForURL((url) => url.searchParams.get('code') === '420106');
    await page.locator('#region-view').waitFor();
    await page.locator('#region-name').getByText('湖北省 武汉市').waitFor();
    await page.locator('#timeline canvas').waitFor();
    const [w, h] = await canvasSize('#timeline');
    assert.ok(w > 200 && h > 200, `timeline canvas ${w}x${h}`);
    const drawn = await page.evaluate(() => {
      const o = window.echarts.getInstanceByDom(document.getElementById('timeline')).getOption();
      return { bars: o.series[0].data.reduce((s, v) => s + v, 0), levels: o.series[2].data.filter((v) => v === 2).length };
    });
    assert.equal(drawn.bars, 60, 'the bars add up to the 60 cases');
    assert.ok(drawn.levels >= 1, 'the level line reaches high');
    assert.match(await page.textContent('#series-total'), /60/);
    const first = page.locator('#change-list li').first();
    assert.equal(await first.getAttribute('data-level'), 'high');
    assert.match(await first.locator('.change-reason').textContent(), /50/);
    assert.match(await page.locator('#region-now .pill').textContent(), /高风险/);
    await assertFits(page, 'timeline');
    await page.screenshot({ path: screen('risk-region-phone-zh.png'), fullPage: true });
    await page.locator('#timeline').screenshot({ path: screen('risk-timeline-phone-zh.png') });
    await page.click('#region-back');
    await page.locator('#list-view').waitFor();
    await page.locator('#region-table tr[data-code="420106"]').waitFor();
  });

  it('lets an official override 110108 to medium, shown with the override mark', async () => {
    await page.goto(t.server.base + '/risk.html');
    await page.locator('#override-card').waitFor();
    await page.fill('#ov-code', '110108');
    await page.locator('#ov-code-name').getByText('北京市 海淀区').waitFor();
    // a reason is required
    await page.locator('#ov-level label:has(input[value="medium"])').click();
    await page.click('#override-submit');
    await page.locator('#override-error').getByText('请写明调整的理由。').waitFor();
    await page.fill('#ov-reason', OVERRIDE_REASON);
    await page.fill('#ov-until', addDays(TODAY, 7));
    await page.click('#override-submit');
    await page.locator('#override-done').getByText('已将北京市 海淀区调整为中风险。').waitFor();
    const row = page.locator('#region-table tr[data-code="110108"][data-level="medium"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-override'), '1');
    assert.ok(await row.locator('.tag-override').isVisible(), 'the override mark');
    assert.match(await row.locator('.tag-override').textContent(), /人工调整/);
    assert.match(await row.locator('.risk-reason').textContent(), new RegExp(OVERRIDE_REASON));
    // an official of Beijing may not override a Wuhan district
    await page.fill('#ov-code', '420106');
    await page.locator('#ov-level label:has(input[value="low"])').click();
    await page.fill('#ov-reason', '越权测试');
    await page.click('#override-submit');
    await page.locator('#override-error').waitFor();
    assert.match(await page.textContent('#override-error'), /权限|outside/);
    // the override in the region's changes
    await row.locator('a.region-link').click();
    await page.locator('#region-view').waitFor();
    const latest = page.locator('#change-list li[data-override="1"]').first();
    await latest.waitFor();
    assert.equal(await latest.getAttribute('data-level'), 'medium');
    assert.match(await latest.textContent(), new RegExp(OVERRIDE_REASON));
    assert.match(await latest.textContent(), /official/);
    assert.ok(await page.locator('#region-now .tag-override').isVisible());
    await page.screenshot({ path: screen('risk-override-phone-zh.png'), fullPage: true });
    await page.click('#region-back');
    await page.locator('#region-table tr[data-code="110108"]').waitFor();
  });

  it('sets Beijing\'s emergency response level', async () => {
    await page.locator('#resp-details > summary').click();
    assert.equal(await page.inputValue('#resp-province'), '110000', 'the official\'s province');
    await page.locator('#resp-form label:has(input[value="2"])').click();
    await page.fill('#resp-note', '调整为二级响应');
    await page.click('#resp-submit');
    const item = page.locator('#resp-list li[data-province="110000"]');
    await item.waitFor();
    await page.waitForFunction(() => document.querySelector('#resp-list li[data-province="110000"]')
      ?.getAttribute('data-resp-now') === '2');
    assert.match(await item.locator('.resp-tag').textContent(), /Ⅱ级响应/);
    await page.locator('#resp-card').screenshot({ path: screen('risk-response-phone-zh.png') });
    await signOut();
  });

  it('lets the head submit a plan of 1/2 that the office approves', async () => {
    await signIn('head', 'head-demo-2020');
    await page.click('.nav-link[href="/rtw.html"]');
    await page.waitForURL((url) => url.pathname === '/rtw.html');
    await page.locator('#dept-table tbody tr').first().waitFor();
    const deps = await page.locator('#dept-table tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.deptId));
    assert.deepEqual(deps, ['2', '3', '4'], 'the head sees their subtree');
    await page.locator('#plan-details > summary').click();
    assert.equal(await page.inputValue('#plan-dept'), String(PLAN_DEPT), 'their own department');
    assert.equal(await page.inputValue('#plan-start'), TODAY);
    await page.locator('#plan-cap label:has(input[value="50"])').click();
    await page.fill('#plan-note', '行政人员轮流到岗');
    await page.click('#plan-submit');
    const plan = page.locator(`#plan-list li[data-dept-id="${PLAN_DEPT}"][data-status="submitted"]`);
    await plan.waitFor();
    assert.match(await plan.textContent(), /50%（1\/2）/);
    assert.equal(await plan.locator('[data-action="approve"]').count(), 0, 'heads do not approve');
    await page.screenshot({ path: screen('rtw-head-phone-zh.png'), fullPage: true });
    await signOut();

    await signIn('office', 'office-demo-2020');
    const links = await navLinks();
    assert.deepEqual(links.slice(-3), ['/risk.html', '/rtw.html', '/analytics.html']);
    await page.click('#link-rtw');
    await page.waitForURL((url) => url.pathname === '/rtw.html');
    await page.locator('#dept-table tbody tr').first().waitFor();
    assert.equal(await page.locator('#dept-table tbody tr').count(), 8, 'the office sees every department');
    const before = page.locator(`#dept-table tr[data-dept-id="${PLAN_DEPT}"]`);
    assert.equal(await before.getAttribute('data-cap'), '0', 'no plan yet');
    const item = page.locator(`#plan-list li[data-dept-id="${PLAN_DEPT}"][data-status="submitted"]`);
    await item.locator('[data-action="approve"]').click();
    await page.locator(`#plan-list li[data-dept-id="${PLAN_DEPT}"][data-status="approved"]`).waitFor();
    const row = page.locator(`#dept-table tr[data-dept-id="${PLAN_DEPT}"][data-cap="50"]`);
    await row.waitFor();
    assert.equal((await row.locator('[data-key="cap"]').textContent()).trim(), '50%');
    const people = Number(await row.locator('[data-key="people"]').textContent());
    const eligible = Number(await row.locator('[data-key="eligible"]').textContent());
    const allowed = Number(await row.locator('[data-key="allowed"]').textContent());
    assert.ok(eligible >= REPORTED, `the ${REPORTED} reported green may come in: ${eligible}`);
    assert.equal(allowed, Math.min(eligible, Math.floor(people * 50 / 100)), 'allowed = min(eligible, 50% of people)');
    assert.ok(allowed > 0);
    assert.equal(await row.getAttribute('data-ready'), '1');
    await assertFits(page, 'return to work');
    await page.screenshot({ path: screen('rtw-phone-zh.png'), fullPage: true });
    await page.locator('.card:has(#dept-table)').screenshot({ path: screen('rtw-departments-phone-zh.png') });
  });

  it('lists who may not come in, with the reasons in words', async () => {
    await page.selectOption('#off-reason', 'no_report_today');
    const first = page.locator('#off-list li').first();
    await first.waitFor();
    assert.match(await first.locator('.flag-list').textContent(), /今天未上报/);
    await page.selectOption('#off-reason', '');
    await switchLanguage('en');
    await page.selectOption('#off-reason', 'no_report_today');
    assert.match(await page.locator('#off-list li').first().locator('.flag-list').textContent(), /No report today/);
    await page.selectOption('#off-reason', '');
    await switchLanguage('zh-CN');
  });

  it('keeps someone back from a risk area at home, under observation', async (tc) => {
    if (needsGrading(tc))
      return;
    const p = page.locator('#off-list li[data-person-id="P0001"]');
    await page.selectOption('#off-reason', 'came_from_risk_area');
    await p.waitFor();
    const reasons = (await p.getAttribute('data-reasons')).split(' ');
    assert.ok(reasons.includes('came_from_risk_area'), `P0001: ${reasons}`);
    assert.ok(reasons.includes('under_observation'), `P0001: ${reasons}`);
    assert.match(await p.locator('.flag-list').textContent(), /来自中高风险地区/);
    assert.match(await p.locator('.flag-list').textContent(), /正在医学观察/);
    await p.screenshot({ path: screen('rtw-person-phone-zh.png') });
    // the arrival opened an observation
    const obs = await page.evaluate(async () => (await fetch('/api/v1/observations?status=open')).json());
    const mine = (obs.items || []).find((o) => o.person_id === 'P0001');
    assert.ok(mine, 'an open observation for P0001');
    assert.equal(mine.reason, 'arrival');
    await signOut();
  });

  it('saw no policy violation, script error or missing file', () => {
    assert.deepEqual(t.seen.csp, [], 'CSP violations');
    assert.deepEqual(t.seen.errors, [], 'script errors');
    assert.deepEqual(t.seen.assets, [], 'missing files');
  });
});
