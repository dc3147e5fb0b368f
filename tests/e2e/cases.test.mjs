// cases.test.mjs -- browser test of case management: cases, close
// contacts, medical observation, transmission chains and the health code.
//
// On a fresh demo database, at a phone viewport: a health official
// registers an external person (a second attempt with the same name and
// phone is caught as a duplicate and merged) and a confirmed case with
// onset 3 days ago, sees it flagged "not placed" until a placement is
// added, and adds the demo staff member P0001 as a household contact
// without protection, last exposure 2 days ago: the page says "close
// contact" with observation until last exposure + 14.  The observations
// page lists P0001 open with the days left, and a follow-up filled there
// shows in the grid.  Moving the case to died and then trying "excluded"
// shows the server's refusal.  The chains page draws a graph (a small chain
// seeded over the API) on a canvas of non-zero size.  The office and the
// analyst see their own navigation.  Then P0001 signs in: home shows "my
// observation", and the history page shows the scannable QR (loaded, with
// a natural size, renewed every 4 minutes) with a yellow code for the
// observation.  No Content-Security-Policy violation, script error or
// missing file along the way.
//
// Environment: see harness.mjs (FANGKONG_BIN, FANGKONG_TEST_TMP,
// FANGKONG_WEB_DIR).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, apiLogin, assertFits, screen } from './harness.mjs';
import * as ui from './harness.mjs';

// Dates in China Standard Time, as the server counts them.
function cstToday() {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date());
}

function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * 86400000).toISOString().slice(0, 10);
}

function daysBetween(a, b) {
  const t = (s) => { const [y, m, d] = s.split('-').map(Number); return Date.UTC(y, m - 1, d); };
  return Math.round((t(b) - t(a)) / 86400000);
}

// "2020年2月10日", as the pages write a date in Chinese.
function zhDate(day) {
  const [y, m, d] = day.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

// A resident ID number (GB 11643) with its check digit.
function residentId(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

const TODAY = cstToday();
const ONSET = addDays(TODAY, -3);
const FIRST_CONTACT = addDays(TODAY, -5);
const LAST_CONTACT = addDays(TODAY, -2);
const OBS_END = addDays(LAST_CONTACT, 14);
const CASE_NAME = '李建国';
const CASE_PHONE = '13900139000';
const CASE_ID_NUMBER = residentId('11010519800101123');

describe('cases, contacts, observation, chains and the health code in the browser', { timeout: 300000 }, () => {
  let t, page;
  let caseId = 0;
  let subjectId = 0;
  let obsId = 0;

  const signIn = (username, password) => ui.signIn(page, t.server.base, username, password);

  const signOut = () => ui.signOut(page);

  const navLinks = () => ui.navLinks(page);

  // A small chain over the API (bearer token, no CSRF): 王一 infects 王二,
  // who infects 王三, so the chains page has edges to draw.
  async function seedChain(base) {
    const token = await apiLogin(base, 'official', 'official-demo-2020');
    const post = async (p, body) => {
      const res = await fetch(base + '/api/v1' + p, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.status === 201 || res.status === 200, `POST ${p}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    const ids = [];
    for (const name of ['王一', '王二', '王三'])
      ids.push((await post('/subjects', { name, region_code: '110101' })).id);
    const d = (n) => addDays(TODAY, -n);
    await post('/cases', { subject_id: ids[0], classification: 'confirmed', onset_date: d(9),
                           report_date: d(8), region_code: '110101' });
    await post('/exposures', { subject_a: ids[0], subject_b: ids[1], first_date: d(9), last_date: d(8),
                               setting: 'household', protection: 'none' });
    await post('/cases', { subject_id: ids[1], classification: 'confirmed', onset_date: d(5),
                           report_date: d(4), region_code: '110101' });
    await post('/exposures', { subject_a: ids[1], subject_b: ids[2], first_date: d(5), last_date: d(4),
                               setting: 'gathering', protection: 'inadequate' });
    await post('/cases', { subject_id: ids[2], classification: 'confirmed', onset_date: d(1),
                           report_date: d(0), region_code: '110101' });
  }

  before(async () => {
    t = await setUp('e2e-cases-');
    page = t.page;
    await seedChain(t.server.base);
  });

  after(async () => {
    if (t)
      await t.close();
  });

  it('serves the new pages under the strict policy', async () => {
    for (const p of ['/cases.html', '/observations.html', '/chains.html', '/js/cases.js',
                     '/js/picker.js', '/js/observations.js', '/js/chains.js']) {
      const res = await fetch(t.server.base + p);
      assert.equal(res.status, 200, `GET ${p}`);
      const csp = res.headers.get('content-security-policy') || '';
      assert.match(csp, /script-src 'self'/, `CSP of ${p}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP of ${p}`);
    }
  });

  it('shows an official cases, observation and chains', async () => {
    await signIn('official', 'official-demo-2020');
    assert.deepEqual(await navLinks(),
      ['/', '/cases.html', '/observations.html', '/chains.html', '/risk.html', '/analytics.html']);
    for (const id of ['#link-cases', '#link-observations', '#link-chains'])
      assert.ok(await page.locator(id).isVisible(), `${id} on home`);
    assert.ok(!(await page.locator('#link-dashboard').isVisible()), 'no dashboard for an official');
    assert.ok(!(await page.locator('#obs-card').isVisible()), 'no "my observation" for an official');
  });

  it('registers an external person and a confirmed case', async () => {
    await page.click('.nav-link[href="/cases.html"]');
    await page.locator('#case-list li').first().waitFor();
    assert.equal(await page.locator('#case-list li').count(), 3, 'the seeded chain');
    await page.screenshot({ path: screen('cases-list-phone-zh.png'), fullPage: true });
    await page.click('#new-case-link');
    await page.waitForURL((url) => url.search === '?new=1');
    await page.locator('label:has(#case-pick-kind-external)').click();
    await page.fill('#case-pick-name', CASE_NAME);
    await page.fill('#case-pick-phone', CASE_PHONE);
    await page.fill('#case-pick-id_number', CASE_ID_NUMBER);
    await page.fill('#case-pick-region_code', '110105');
    await page.locator('#case-pick-region_code ~ .region-name').getByText('北京市 朝阳区').waitFor();
    await page.click('#case-pick-submit');
    await page.locator('#case-pick-picked').getByText(CASE_NAME).waitFor();
    assert.ok(await page.locator('#case-form-card').isVisible(), 'the case form opens');
    assert.equal(await page.inputValue('#cf-region'), '110105', 'the person\'s region');
    assert.equal(await page.inputValue('#cf-report'), TODAY, 'reported today');
    assert.ok(await page.locator('#cf-classification input[value="confirmed"]').isChecked());
    assert.ok(!(await page.locator('#cf-clinical-choice').isVisible()), 'no clinical outside Hubei');
    await page.fill('#cf-onset', ONSET);
    await page.selectOption('#cf-severity', 'common');
    await page.fill('#cf-facility', '北京地坛医院');
    await assertFits(page, 'new case');
    await page.screenshot({ path: screen('case-new-phone-zh.png'), fullPage: true });
    await Promise.all([
      page.waitForURL((url) => /^\?id=\d+$/.test(url.search)),
      page.click('#case-submit'),
    ]);
    caseId = Number(new URL(page.url()).searchParams.get('id'));
    await page.locator('#case-name').getByText(CASE_NAME).waitFor();
    assert.equal((await page.textContent('#case-class')).trim(), '确诊病例');
    assert.equal(await page.getAttribute('#case-class', 'data-class'), 'confirmed');
    assert.equal((await page.textContent('#severity-now')).trim(), '普通型');
    assert.match(await page.locator('#case-facts').innerText(), new RegExp(zhDate(ONSET)));
    // confirmed may become recovered or died: the state machine's buttons
    const next = await page.locator('#transition-buttons button').evaluateAll((bs) => bs.map((b) => b.dataset.to));
    assert.deepEqual(next, ['recovered', 'died']);
    // an active case without a placement is flagged
    assert.ok(await page.locator('#not-placed').isVisible(), 'not placed');
    assert.match(await page.textContent('#not-placed'), /未安置 \/ not placed/);
    await page.locator('#case-badges [data-badge="not_placed"]').waitFor();
    const c = await page.evaluate(async (id) => (await fetch('/api/v1/cases/' + id)).json(), caseId);
    subjectId = c.subject_id;
    assert.equal(c.onset_date, ONSET);
    assert.equal(c.facility, '北京地坛医院');
    await assertFits(page, 'case');
    await page.screenshot({ path: screen('case-phone-zh.png'), fullPage: true });
  });

  it('catches the same person registered twice, and merges', async () => {
    await page.goto(t.server.base + '/cases.html?new=1');
    await page.locator('label:has(#case-pick-kind-external)').click();
    await page.fill('#case-pick-name', CASE_NAME);
    await page.fill('#case-pick-phone', CASE_PHONE);
    await page.fill('#case-pick-region_code', '110105');
    await page.click('#case-pick-submit');
    const dup = page.locator(`#case-pick-dups li[data-subject-id="${subjectId}"]`);
    await dup.waitFor();
    assert.match(await dup.innerText(), /有身份证号/);
    assert.ok(await page.locator('#case-pick-force').isVisible(), 'may create anyway');
    await page.screenshot({ path: screen('case-duplicate-phone-zh.png'), fullPage: true });
    await dup.locator('button[data-candidate]').click();
    await page.locator('#case-pick-picked').getByText(`#${subjectId}`).waitFor();
    assert.ok(await page.locator('#case-form-card').isVisible());
  });

  it('adds a placement, and the case is no longer flagged', async () => {
    await page.goto(t.server.base + '/cases.html?id=' + caseId);
    await page.locator('#not-placed').waitFor();
    await page.click('#placement-details > summary');
    // the form is filled on the details' toggle event, a task after the click
    await page.waitForFunction(() => document.getElementById('pl-start').value !== '');
    assert.equal(await page.inputValue('#pl-category'), 'confirmed');
    assert.equal(await page.inputValue('#pl-start'), TODAY);
    await page.selectOption('#pl-type', 'designated_hospital');
    await page.click('#placement-form button[type="submit"]');
    await page.locator('#placement-list li[data-current="1"]').waitFor();
    assert.ok(!(await page.locator('#not-placed').isVisible()), 'placed');
    assert.equal(await page.locator('#case-badges [data-badge="not_placed"]').count(), 0);
  });

  it('adds P0001 as a household contact: close contact, observed until last exposure + 14', async () => {
    await page.click('#contact-details > summary');
    await page.fill('#contact-pick-person_id', 'P0001');
    await page.press('#contact-pick-person_id', 'Tab');
    await page.locator('#contact-pick-person_id ~ .region-name').getByText('周晓东', { exact: false }).waitFor();
    await page.click('#contact-pick-submit');
    await page.locator('#contact-pick-picked').getByText('周晓东').waitFor();
    await page.locator('#contact-form').waitFor();
    await page.fill('#ct-first', FIRST_CONTACT);
    await page.fill('#ct-last', LAST_CONTACT);
    assert.equal(await page.inputValue('#ct-setting'), 'household');
    assert.ok(await page.locator('#contact-form input[name="protection"][value="none"]').isChecked());
    assert.ok(await page.locator('#contact-form input[name="observation_kind"][value="home"]').isChecked());
    await page.screenshot({ path: screen('case-contact-form-phone-zh.png'), fullPage: true });
    await page.click('#contact-submit');
    const result = page.locator('#contact-result[data-close="1"]');
    await result.waitFor();
    const text = (await result.textContent()).trim();
    assert.match(text, /密切接触者/);
    assert.ok(text.includes(`医学观察至 ${zhDate(OBS_END)}`), text);
    assert.equal(await result.getAttribute('data-end'), OBS_END, 'last exposure + 14');
    const item = page.locator('#contacts-1 li[data-hop="1"][data-close="1"]', { hasText: '周晓东' });
    await item.waitFor();
    assert.equal(await item.getAttribute('data-observation-end'), OBS_END);
    obsId = Number(new URL(await item.locator('a.obs-link').getAttribute('href'), t.server.base).searchParams.get('id'));
    assert.ok(obsId > 0);
    await assertFits(page, 'case with a contact');
    await page.screenshot({ path: screen('case-contact-phone-zh.png'), fullPage: true });
    await page.locator('#contacts-card').screenshot({ path: screen('case-contacts-card-phone-zh.png') });

    // the same in English
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await result.textContent(), /close contact: observation until/);
    assert.equal((await page.textContent('#case-class')).trim(), 'Confirmed');
    await page.screenshot({ path: screen('case-contact-phone-en.png'), fullPage: true });
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  });

  it('lists P0001 under observation with the days left, and fills a follow-up', async () => {
    await page.click('.nav-link[href="/observations.html"]');
    const item = page.locator(`#open-list li[data-obs-id="${obsId}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-person-id'), 'P0001');
    assert.equal(await item.getAttribute('data-end'), OBS_END);
    const left = daysBetween(TODAY, OBS_END);
    assert.equal(Number(await item.getAttribute('data-days-left')), left);
    assert.match(await item.innerText(), new RegExp(`还剩 ${left} 天`));
    assert.equal(await page.locator(`#release-list li[data-obs-id="${obsId}"]`).count(), 0,
      'not for release today');
    await page.locator('#reviews-none').waitFor();
    await assertFits(page, 'observations');
    await page.screenshot({ path: screen('observations-phone-zh.png'), fullPage: true });

    await item.locator('a.person-link').click();
    await page.waitForURL((url) => url.search === `?id=${obsId}`);
    await page.locator('#fu-grid tbody tr').first().waitFor();
    assert.equal(await page.getAttribute('#obs-status', 'data-status'), 'open');
    // morning and afternoon of each day from today until the day before release
    assert.equal(await page.locator('#fu-grid tbody tr').count(), daysBetween(TODAY, OBS_END),
      'a row a day, today to the day before release');
    assert.equal(await page.getAttribute(`#fu-grid tr[data-date="${TODAY}"] td[data-slot="am"]`, 'data-state'), 'todo');
    await page.selectOption('#fill-date', TODAY);
    await page.locator('label:has(#fill-am)').click();
    await page.fill('#fill-temp', '36.6');
    await page.click('#fill-submit');
    await page.locator(`#fu-grid tr[data-date="${TODAY}"] td[data-slot="am"][data-state="filled"]`).waitFor();
    assert.match(await page.textContent(`#fu-grid tr[data-date="${TODAY}"] td[data-slot="am"]`), /36\.6/);
    await page.locator('#fill-done').waitFor();
    assert.ok(await page.locator('#extend-card').isVisible(), 'officials may extend');
    assert.match(await page.textContent('#release-one-intro'), /提前解除需要填写原因/);
    await assertFits(page, 'observation');
    await page.screenshot({ path: screen('observation-phone-zh.png'), fullPage: true });
    await page.locator('#fu-grid').screenshot({ path: screen('observation-grid-phone-zh.png') });
  });

  it('refuses an illegal transition with the server\'s reason', async () => {
    await page.click('#obs-facts [data-key="case"] a');
    await page.waitForURL((url) => url.search === `?id=${caseId}`);
    await page.locator('#transition-buttons button[data-to="died"]').click();
    await page.locator('#case-class[data-class="died"]').waitFor();
    assert.equal((await page.textContent('#case-class')).trim(), '死亡');
    assert.ok(await page.locator('#class-final').isVisible(), 'died is final');
    assert.equal(await page.locator('#transition-buttons button').count(), 0);
    await page.locator('#timeline li[data-to="died"]').waitFor();
    // a correction the state machine does not allow: the server says why
    await page.click('#other-class > summary');
    await page.selectOption('#other-class-to', 'excluded');
    await page.click('#other-class-go');
    const err = page.locator('#transition-error');
    await err.waitFor();
    const msg = (await err.textContent()).trim();
    assert.match(msg, /^不能变更：/);
    assert.match(msg, /died/);
    assert.match(msg, /excluded/);
    assert.equal(await page.getAttribute('#case-class', 'data-class'), 'died', 'unchanged');
    await page.screenshot({ path: screen('case-refused-phone-zh.png'), fullPage: true });
    await page.locator('#class-card').screenshot({ path: screen('case-refused-card-phone-zh.png') });
  });

  it('draws the chains graph with its indicators', async () => {
    await page.click('.nav-link[href="/chains.html"]');
    const canvas = page.locator('#graph canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 150, `graph canvas ${JSON.stringify(box)}`);
    const graph = await page.evaluate(() => {
      const chart = window.echarts.getInstanceByDom(document.getElementById('graph'));
      const s = chart.getOption().series[0];
      return { type: s.type, layout: s.layout, nodes: s.data.length, links: s.links.length };
    });
    assert.deepEqual(graph, { type: 'graph', layout: 'force', nodes: 4, links: 2 });
    assert.equal((await page.textContent('#ind-new')).trim(), '4');
    assert.match(await page.textContent('#ind-unknown'), /%$/);
    assert.ok(await page.locator('#chain-list li[data-chain]').count() >= 1);
    assert.equal(await page.locator('#case-table tbody tr').count(), 4);
    const csv = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, await page.getAttribute('#si-link', 'href'));
    assert.equal(csv.status, 200);
    assert.match(csv.type, /^text\/csv/);
    assert.equal(csv.text.trim().split(/\r?\n/).length, 3, `header and two intervals:\n${csv.text}`);
    await page.locator('label:has(input[value="chain"])').click();
    await page.waitForTimeout(500);   // the force layout settles
    await assertFits(page, 'chains');
    await page.screenshot({ path: screen('chains-phone-zh.png'), fullPage: true });
    await page.locator('#graph').screenshot({ path: screen('chains-graph-phone-zh.png') });
    await signOut();
  });

  it('gives the office and the analyst their own navigation', async () => {
    await signIn('office', 'office-demo-2020');
    assert.deepEqual(await navLinks(),
      ['/', '/report.html', '/dashboard.html', '/cases.html', '/observations.html', '/chains.html',
       '/risk.html', '/rtw.html', '/analytics.html']);
    await page.click('.nav-link[href="/cases.html"]');
    await page.locator('#office-note').waitFor();
    assert.ok(!(await page.locator('#new-case-link').isVisible()), 'the office registers no case');
    // P0001 is one of the organisation's people: the office sees the observation
    await page.click('.nav-link[href="/observations.html"]');
    await page.locator(`#open-list li[data-obs-id="${obsId}"]`).waitFor();
    await page.goto(t.server.base + `/observations.html?id=${obsId}`);
    await page.locator('#fu-grid tbody tr').first().waitFor();
    assert.ok(!(await page.locator('#extend-card').isVisible()), 'the office does not extend');
    assert.ok(!(await page.locator('#release-one-card').isVisible()), 'the office does not release');
    await page.click('.nav-link[href="/"]');
    await signOut();

    await signIn('analyst', 'analyst-demo-2020');
    assert.deepEqual(await navLinks(), ['/', '/chains.html', '/risk.html', '/analytics.html']);
    await page.click('.nav-link[href="/chains.html"]');
    await page.locator('#case-table tbody tr').first().waitFor();
    const names = await page.locator('#case-table tbody th').allInnerTexts();
    assert.ok(names.every((n) => /^#\d+$/.test(n.trim())), `no names for an analyst: ${names}`);
    await signOut();
  });

  it('shows staff their observation on home, with today\'s follow-ups', async () => {
    await signIn('staff', 'staff-demo-2020');
    const card = page.locator('#obs-card');
    await card.waitFor();
    assert.match(await page.textContent('#obs-until'), new RegExp(zhDate(OBS_END)));
    assert.equal(await page.getAttribute('#obs-slots li[data-slot="am"]', 'data-state'), 'filled');
    assert.equal(await page.getAttribute('#obs-slots li[data-slot="pm"]', 'data-state'), 'todo');
    assert.equal(await page.getAttribute('#obs-link', 'href'), `/observations.html?id=${obsId}`);
    await assertFits(page, 'home under observation');
    await page.screenshot({ path: screen('home-observation-phone-zh.png'), fullPage: true });
  });

  // The person under observation fills their own slot (source "self").
  it('lets staff fill their own follow-up: this afternoon\'s', async () => {
    await page.click('#obs-link');
    await page.waitForURL((url) => url.pathname === '/observations.html' && url.search === `?id=${obsId}`);
    await page.locator('#fu-grid tbody tr').first().waitFor();
    assert.ok(!(await page.locator('#extend-card').isVisible()), 'staff do not extend');
    assert.ok(!(await page.locator('#release-one-card').isVisible()), 'staff do not release');
    assert.equal(await page.inputValue('#fill-date'), TODAY);
    assert.ok(await page.locator('#fill-pm').isChecked(), 'the open slot of today');
    assert.ok(!(await page.locator('#fill-am').isVisible()), 'the morning is filled already');
    await page.fill('#fill-temp', '36.5');
    await page.click('#fill-submit');
    const cell = page.locator(`#fu-grid tr[data-date="${TODAY}"] td[data-slot="pm"][data-state="filled"]`);
    await cell.or(page.locator('#fill-error')).first().waitFor();
    await page.screenshot({ path: screen('observation-staff-phone-zh.png'), fullPage: true });
    assert.ok(!(await page.locator('#fill-error').isVisible()), await page.textContent('#fill-error'));
    assert.ok(await cell.isVisible(), 'this afternoon is filled');
  });

  it('shows staff the live QR and a yellow code on history', async () => {
    await page.click('.nav-link[href="/history.html"]');
    const qr = page.locator('#code-qr');
    await qr.waitFor();
    await page.waitForFunction(() => {
      const img = document.getElementById('code-qr');
      return img.complete && img.naturalWidth > 0;
    });
    const size = await qr.evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight,
                                               src: img.getAttribute('src') }));
    assert.ok(size.w > 0 && size.h > 0, `QR natural size ${JSON.stringify(size)}`);
    assert.match(size.src, /^\/api\/v1\/codes\/me\/qr\.svg(\?|$)/);
    const shown = await qr.boundingBox();
    assert.ok(shown && shown.width > 150, `QR shown ${JSON.stringify(shown)}`);
    assert.ok(!(await page.locator('#code-art').isVisible()), 'no illustration beside the real code');
    assert.match(await page.getAttribute('#code-badge', 'class'), /code-badge-yellow/);
    assert.equal((await page.textContent('#code-colour')).trim(), '黄码');
    assert.equal((await page.textContent('#code-rule')).trim(), '医学观察期内');
    assert.equal((await page.textContent('#code-green-from')).trim(), zhDate(OBS_END));
    assert.ok(await page.locator('#qr-note').isVisible());
    await assertFits(page, 'history with the QR');
    await page.screenshot({ path: screen('history-qr-phone-zh.png'), fullPage: true });
    await page.locator('#code-card').screenshot({ path: screen('history-qr-card-phone-zh.png') });
  });

  it('renews the QR every 4 minutes', async () => {
    const p2 = await t.context.newPage();
    t.watch(p2);
    const asked = [];
    p2.on('request', (req) => {
      if (new URL(req.url()).pathname === '/api/v1/codes/me/qr.svg')
        asked.push(req.url());
    });
    await p2.clock.install();
    await p2.goto(t.server.base + '/history.html');
    await p2.locator('#code-qr').waitFor();
    await p2.waitForFunction(() => document.getElementById('code-qr').naturalWidth > 0);
    const first = await p2.getAttribute('#code-qr', 'src');
    await p2.clock.fastForward('03:50');
    assert.equal(await p2.getAttribute('#code-qr', 'src'), first, 'not yet');
    await p2.clock.fastForward('00:15');
    await p2.waitForFunction((f) => document.getElementById('code-qr').getAttribute('src') !== f, first);
    await p2.waitForFunction(() => document.getElementById('code-qr').naturalWidth > 0);
    assert.ok(asked.length >= 2, `QR asked for ${asked.length} times`);
    await p2.close();
  });

  it('reports no Content-Security-Policy violation, script error or missing file', () => {
    assert.deepEqual(t.seen.csp, []);
    assert.deepEqual(t.seen.errors, []);
    assert.deepEqual(t.seen.assets, []);
  });
});
