// daily.test.mjs -- browser test of daily health monitoring: the report
// form and its result, the history page with the health code, and the
// office's dashboard.
//
// On a fresh demo database, at a phone viewport: staff reports a normal
// day (the answer to the first tap is lost on the way back, and the retry
// carries the same request_id, so one report is stored), then changes it
// with a fever, and sees red with what to do, in Chinese and in English;
// the history page shows today red with the scannable QR of their code.
// The office then sees 1 red on the dashboard, acknowledges the alert with
// a note, finds many non-reporters, a drawn trend chart and a working
// export.  No Content-Security-Policy violation, script error or missing
// file along the way.
//
// Environment: see harness.mjs (FANGKONG_BIN, FANGKONG_TEST_TMP,
// FANGKONG_WEB_DIR).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, assertFits, screen, PHONE } from './harness.mjs';
import * as ui from './harness.mjs';

const RESULT_NOTE = '已到发热门诊就诊，排除新冠肺炎';
const FOLLOW_UP = '居家观察，三天后复查';

describe('daily report, history and dashboard in the browser', { timeout: 240000 }, () => {
  let t, page;
  const posts = [];   // bodies of POST /api/v1/reports, as the browser sent them

  const signIn = (username, password) => ui.signIn(page, t.server.base, username, password);

  const signOut = () => ui.signOut(page);

  // GET an API path with the page's session cookie.
  function apiGet(p) {
    return page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'same-origin' });
      return { status: res.status, type: res.headers.get('content-type') || '',
               text: await res.text() };
    }, p);
  }

  const switchLanguage = (lang) => ui.switchLanguage(page, lang);

  before(async () => {
    t = await setUp('e2e-daily-');
    page = t.page;
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/reports')
        posts.push(JSON.parse(req.postData() || '{}'));
    });
  });

  after(async () => {
    if (t)
      await t.close();
  });

  it('serves the new pages and ECharts under the strict policy', async () => {
    for (const p of ['/report.html', '/history.html', '/dashboard.html', '/js/app.js',
                     '/vendor/echarts.min.js']) {
      const res = await fetch(t.server.base + p);
      assert.equal(res.status, 200, `GET ${p}`);
      const csp = res.headers.get('content-security-policy') || '';
      assert.match(csp, /script-src 'self'/, `CSP of ${p}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP of ${p}`);
    }
  });

  it('shows staff their pages on home, with today not yet reported', async () => {
    await signIn('staff', 'staff-demo-2020');
    await page.locator('#link-report').waitFor();
    assert.ok(await page.locator('#link-history').isVisible(), 'history link');
    assert.ok(!(await page.locator('#link-dashboard').isVisible()), 'no dashboard link for staff');
    await page.locator('#today-pill.pill-none').getByText('今天还没有上报').waitFor();
    await assertFits(page, 'home');
    await page.screenshot({ path: screen('home-staff-phone-zh.png'), fullPage: true });
    // the dashboard is not for staff: the page says so (the API refuses anyway)
    await page.goto(t.server.base + '/dashboard.html');
    await page.locator('#page-error').getByText('此页面仅供部门负责人、防控办公室使用。').waitFor();
    assert.ok(!(await page.locator('#content').isVisible()));
    await page.goto(t.server.base + '/');
  });

  it('starts the form from the person\'s own region, named', async () => {
    await page.click('#report-link');
    await page.waitForURL((url) => url.pathname === '/report.html');
    await page.locator('#form-card').waitFor();
    assert.equal(await page.inputValue('#region-code'), '110108');
    await page.locator('#region-name').getByText('北京市 海淀区').waitFor();
    assert.equal(await page.getAttribute('.nav-link[aria-current="page"]', 'href'), '/report.html');
    await assertFits(page, 'report form');
    await page.screenshot({ path: screen('report-form-phone-zh.png'), fullPage: true });
  });

  it('asks for what is missing before sending', async () => {
    await page.click('#submit');
    await page.locator('#form-error').getByText('请填写 34.0 到 43.0 之间的体温。').waitFor();
    assert.equal(await page.getAttribute('#temperature', 'aria-invalid'), 'true');
    await page.fill('#temperature', '36.5');
    await page.click('#submit');
    await page.locator('#form-error').getByText('请选择现在在哪里。').waitFor();
    assert.equal(posts.length, 0, 'nothing was sent');
  });

  it('submits a normal day once, even when the first answer is lost', async () => {
    await page.locator('label.choice', { has: page.locator('input[name="location"][value="home"]') }).click();
    // the first answer never reaches the page: the report is stored, the
    // page sees a network error, and the retry must not store a second one
    let lost = false;
    await page.route('**/api/v1/reports', async (route) => {
      if (!lost && route.request().method() === 'POST') {
        lost = true;
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    await page.click('#submit');
    await page.locator('#form-error').getByText('无法连接服务器，请检查网络后重试。').waitFor();
    await page.click('#submit');
    await page.locator('#status-card.status-green').waitFor();
    await page.unroute('**/api/v1/reports');

    assert.equal(posts.length, 2);
    assert.match(posts[0].request_id, /^[A-Za-z0-9_.-]{1,64}$/);
    assert.equal(posts[1].request_id, posts[0].request_id, 'the retry is the same attempt');
    assert.equal(posts[0].temperature_c, 36.5);
    assert.deepEqual(posts[0].symptoms, []);
    assert.equal(posts[0].region_code, '110108');
    assert.equal(posts[0].location, 'home');
    assert.ok(await page.locator('#status-replayed').isVisible(), 'says it had been submitted');

    assert.match(await page.textContent('#status-word'), /绿色/);
    assert.equal(await page.locator('#actions li[data-code="stay_home"]').count(), 0, 'no stay_home');
    assert.ok(await page.locator('#no-actions').isVisible());
    assert.match(await page.textContent('#code-colour'), /绿色/);

    const hist = JSON.parse((await apiGet('/api/v1/people/P0001/history?days=30')).text);
    assert.equal(hist.items.length, 1);
    assert.equal(hist.items[0].version, 1, 'one version stored');
    await assertFits(page, 'green result');
    await page.screenshot({ path: screen('report-green-phone-zh.png'), fullPage: true });
  });

  it('changes the report with a fever: red, with a fever clinic, the office and the community', async () => {
    await page.click('#edit');
    await page.locator('#form-card').waitFor();
    assert.equal(await page.inputValue('#temperature'), '36.5', 'the form keeps the answers');
    await page.locator('label.choice', { has: page.locator('input[value="fever"]') }).click();
    await page.locator('#symptoms-note-field').waitFor();
    await page.fill('#temperature', '38.2');
    await page.locator('#submit').dblclick();   // a double tap sends one report
    await page.locator('#status-card.status-red').waitFor();

    assert.equal(posts.length, 3, 'one more POST');
    assert.notEqual(posts[2].request_id, posts[0].request_id, 'a new attempt has a new id');
    assert.deepEqual(posts[2].symptoms, ['fever']);
    assert.equal(posts[2].temperature_c, 38.2);

    const codes = await page.locator('#actions li').evaluateAll((lis) => lis.map((li) => li.dataset.code));
    for (const c of ['stay_home', 'visit_fever_clinic', 'report_office', 'report_community'])
      assert.ok(codes.includes(c), `action ${c} in ${codes}`);
    assert.match(await page.textContent('#status-word'), /红色/);
    const zh = await page.locator('#actions').innerText();
    assert.match(zh, /发热门诊/);
    assert.match(zh, /办公室/);
    assert.match(zh, /社区/);
    assert.ok(await page.locator('#back-card').isVisible(), 'says how to get back to green');
    assert.match(await page.textContent('#code-colour'), /红色/);
    assert.match(await page.textContent('#code-green-from'), /恢复绿码/);
    assert.ok(!(await page.locator('#status-replayed').isVisible()));
    await assertFits(page, 'red result');
    await page.screenshot({ path: screen('report-red-phone-zh.png'), fullPage: true });

    // the actions are a checklist; a tick is kept
    await page.locator('#actions li[data-code="report_office"] input').check();

    await switchLanguage('en');
    assert.match(await page.textContent('#status-word'), /Red/);
    assert.equal((await page.textContent('#actions-title')).trim(), 'What to do');
    const en = await page.locator('#actions').innerText();
    assert.match(en, /fever clinic/i);
    assert.match(en, /office/i);
    assert.match(en, /community/i);
    assert.match(await page.textContent('#status-reason'), /[A-Za-z]/);
    assert.ok(await page.locator('#actions li[data-code="report_office"] input').isChecked());
    await page.screenshot({ path: screen('report-red-phone-en.png'), fullPage: true });
    await switchLanguage('zh-CN');

    // coming back to the page later opens on today's result
    await page.reload();
    await page.locator('#status-card.status-red').waitFor();
    await page.locator('#actions li[data-code="visit_fever_clinic"]').waitFor();
    assert.ok(!(await page.locator('#form-card').isVisible()));
  });

  it('shows today red on the history page, with the health code', async () => {
    await page.click('.nav-link[href="/history.html"]');
    await page.waitForURL((url) => url.pathname === '/history.html');
    await page.locator('#content').waitFor();
    const todayCell = page.locator('#strip li[aria-current="date"]');
    assert.equal(await todayCell.getAttribute('data-status'), 'red');
    assert.equal(await page.locator('#strip li').count(), 30);
    assert.match(await page.getAttribute('#code-badge', 'class'), /code-badge-red/);
    assert.equal((await page.textContent('#code-colour')).trim(), '红码');
    assert.ok(await page.locator('#code-green-row').isVisible(), '"green from" is shown');
    assert.match(await page.textContent('#code-rule'), /14/);
    assert.equal(await page.locator('#day-list li').first().getAttribute('data-status'), 'red');
    // their own code is the scannable QR (GET /api/v1/codes/me/qr.svg), not the illustration
    await page.waitForFunction(() => {
      const img = document.getElementById('code-qr');
      return !img.hidden && img.complete && img.naturalWidth > 0;
    });
    const qr = await page.locator('#code-qr').boundingBox();
    assert.ok(qr && qr.width > 150 && qr.height > 150, `QR ${JSON.stringify(qr)}`);
    assert.ok(!(await page.locator('#code-art').isVisible()), 'no illustration');
    await assertFits(page, 'history');
    await page.screenshot({ path: screen('history-phone-zh.png'), fullPage: true });
    // home now says today is reported, and red
    await page.click('.nav-link[href="/"]');
    await page.locator('#today-pill.pill-red').getByText('红色').waitFor();
    assert.equal((await page.textContent('#today-text')).trim(), '今天已上报');
    assert.equal((await page.textContent('#report-link')).trim(), '查看或修改今天的上报');
    await signOut();
  });

  it('lets the office report for someone: a contact, yellow, observed until a date', async () => {
    await signIn('office', 'office-demo-2020');
    assert.ok(await page.locator('#link-dashboard').isVisible(), 'dashboard link');
    assert.ok(!(await page.locator('#link-history').isVisible()), 'no history link for the office');
    await page.screenshot({ path: screen('home-office-phone-zh.png'), fullPage: true });
    await page.click('#link-report');
    await page.locator('#office-fields').waitFor();
    await page.fill('#person-id', 'P0002');
    await page.press('#person-id', 'Tab');
    await page.locator('#person-name').getByText('周娜', { exact: false }).waitFor();
    assert.equal(await page.inputValue('#region-code'), '110105', 'the person\'s own region');
    await page.fill('#temperature', '36.6');
    await page.locator('label.choice', { has: page.locator('input[name="location"][value="home"]') }).click();
    await page.locator('label.choice', { has: page.locator('input[value="confirmed_contact"]') }).click();
    // travel regions: a code that does not exist is refused, a real one is named
    await page.fill('#travel-code', '999999');
    await page.click('#travel-add');
    await page.locator('#travel-name').getByText('没有这个地区代码，请核对。').waitFor();
    await page.fill('#travel-code', '420102');
    await page.click('#travel-add');
    await page.locator('#travel-list li[data-code="420102"]').getByText('湖北省 武汉市 江岸区').waitFor();
    await page.click('#submit');
    await page.locator('#status-card.status-yellow').waitFor();
    const sent = posts[posts.length - 1];
    assert.equal(sent.person_id, 'P0002');
    assert.equal(sent.exposure, 'confirmed_contact');
    assert.deepEqual(sent.travel_regions, ['420102']);
    const until = page.locator('#actions li[data-code="medical_observation"] .action-until');
    assert.match((await until.textContent()).trim(), /^至 \d{4}年\d{1,2}月\d{1,2}日$/);
    assert.equal((await page.textContent('#edit')).trim(), '继续上报');
    await page.screenshot({ path: screen('report-yellow-office-phone-zh.png'), fullPage: true });
  });

  it('shows the office 1 red on the dashboard, with a drawn trend chart', async () => {
    await page.click('.nav-link[href="/dashboard.html"]');
    await page.waitForURL((url) => url.pathname === '/dashboard.html');
    await page.locator('#n-red').getByText('1', { exact: true }).waitFor();
    assert.equal((await page.textContent('#n-people')).trim(), '300');
    assert.equal((await page.textContent('#n-reported')).trim(), '2');
    assert.equal((await page.textContent('#n-yellow')).trim(), '1');
    await page.locator('#unwell-list li[data-person-id="P0001"][data-status="red"]').waitFor();
    assert.ok(await page.locator('#dept-table tbody tr').count() >= 8, 'a row per department');
    await page.locator('#place-table tbody tr[data-place="city"]').waitFor();
    assert.equal(await page.locator('#place-table tbody tr').count(), 3, 'Hubei, the city, outside');

    const canvas = page.locator('#trend-chart canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 150, `chart canvas ${JSON.stringify(box)}`);
    assert.ok(!(await page.locator('#chart-missing').isVisible()));
    // its tooltip is drawn in the canvas: tapping it adds no HTML
    // (an HTML tooltip would need inline styles, which the policy refuses)
    await page.touchscreen.tap(box.x + box.width * 0.7, box.y + box.height / 2);
    await page.waitForTimeout(400);
    await page.screenshot({ path: screen('dashboard-tooltip-phone-zh.png') });
  });

  it('lists many non-reporters', async () => {
    await page.locator('#missing-list li').first().waitFor();
    assert.equal((await page.textContent('#missing-count')).trim(), '298');
    assert.ok(await page.locator('#missing-list li').count() >= 20);
    assert.equal(await page.locator('#missing-list li[data-person-id="P0001"]').count(), 0);
    await page.click('#missing-more');
    await page.waitForFunction(() => document.querySelectorAll('#missing-list li').length > 50);
  });

  it('acknowledges the alert with a note', async () => {
    const item = page.locator('#alert-list li[data-person-id="P0001"]');
    await item.waitFor();
    assert.equal(await item.getAttribute('data-state'), 'open');
    assert.match(await item.innerText(), /周晓东/);
    await page.screenshot({ path: screen('dashboard-phone-zh.png'), fullPage: true });
    const openBefore = Number((await page.textContent('#alerts-count')).trim());
    assert.equal(openBefore, 2, 'P0001 red and P0002 yellow are open');
    await item.locator('summary').click();
    await item.locator('input[name="clinic_visited"]').check();
    await item.locator('input[name="result"]').fill(RESULT_NOTE);
    await item.locator('textarea[name="follow_up"]').fill(FOLLOW_UP);
    await item.locator('button[type="submit"]').click();
    const acked = page.locator('#alert-list li[data-person-id="P0001"][data-state="acked"]');
    await acked.waitFor();
    const text = await acked.innerText();
    assert.match(text, /已处理/);
    assert.ok(text.includes(RESULT_NOTE), text);
    assert.ok(text.includes(FOLLOW_UP), text);
    assert.equal((await page.textContent('#alerts-count')).trim(), String(openBefore - 1));
    // and it stays acknowledged
    await page.reload();
    await page.locator('#alert-list li[data-person-id="P0001"][data-state="acked"]').waitFor();
    const open = JSON.parse((await apiGet('/api/v1/alerts?open=1')).text);
    assert.equal(open.items.filter((a) => a.person_id === 'P0001').length, 0);
    await page.screenshot({ path: screen('dashboard-acked-phone-zh.png'), fullPage: true });
  });

  it('links to exports that download', async () => {
    const href = await page.getAttribute('#export-person-csv', 'href');
    assert.match(href, /^\/api\/v1\/exports\/daily\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&by=person&format=csv$/);
    const csv = await apiGet(href);
    assert.equal(csv.status, 200);
    assert.match(csv.type, /^text\/csv/);
    assert.match(csv.text, /P0001/);
    const xlsx = await apiGet(await page.getAttribute('#export-department-xlsx', 'href'));
    assert.equal(xlsx.status, 200);
    assert.match(xlsx.type, /spreadsheetml/);
  });

  it('opens a person\'s history from the dashboard', async () => {
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/history.html' && url.search === '?person=P0001'),
      page.click('#unwell-list li[data-person-id="P0001"] a.person-link'),
    ]);
    await page.locator('#content').waitFor();
    assert.equal(await page.getAttribute('#strip li[aria-current="date"]', 'data-status'), 'red');
    assert.equal((await page.textContent('#person-name')).trim(), '周晓东');
    // someone else's code: the QR-like illustration, drawn and with a size
    assert.ok(await page.locator('#code-art rect.code-module').count() > 50);
    const art = await page.locator('#code-art').boundingBox();
    assert.ok(art && art.width > 150 && art.height > 150, `badge art ${JSON.stringify(art)}`);
    assert.ok(!(await page.locator('#code-qr').isVisible()), 'no QR of someone else');
    await page.goBack();
    await page.locator('#n-red').getByText('1', { exact: true }).waitFor();
  });

  it('shows the dashboard in English, and on a wide screen', async () => {
    await switchLanguage('en');
    await page.locator('#alert-list li[data-state="acked"]').getByText('Acknowledged').first().waitFor();
    assert.equal((await page.textContent('h1')).trim(), 'Dashboard');
    await page.screenshot({ path: screen('dashboard-phone-en.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(300);   // the chart follows the window's size
    await page.screenshot({ path: screen('dashboard-desktop-en.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await switchLanguage('zh-CN');
  });

  it('shows a department head only their departments', async () => {
    await page.click('.nav-link[href="/"]');
    await signOut();
    await signIn('head', 'head-demo-2020');
    assert.ok(await page.locator('#link-dashboard').isVisible(), 'dashboard link');
    assert.ok(!(await page.locator('#link-report').isVisible()), 'no report link for a head');
    await page.click('#link-dashboard');
    await page.locator('#alert-list li[data-person-id="P0001"][data-state="acked"]').waitFor();
    const api = JSON.parse((await apiGet('/api/v1/dashboard')).text);
    assert.ok(api.people > 0 && api.people < 300, `a head sees ${api.people} people`);
    await page.locator('#n-people').getByText(String(api.people), { exact: true }).waitFor();
    assert.ok(await page.locator('#dept-table tbody tr').count() < 8, 'only their departments');
  });

  it('reports no Content-Security-Policy violation, script error or missing file', () => {
    assert.deepEqual(t.seen.csp, []);
    assert.deepEqual(t.seen.errors, []);
    assert.deepEqual(t.seen.assets, []);
  });
});
