// login.test.mjs -- browser test of the sign-in and home pages.
//
// Starts the real binary ($FANGKONG_BIN) on a fresh demo database and an
// ephemeral port, drives Debian's chromium (/usr/bin/chromium) with
// playwright-core at a phone viewport, and checks what a person would
// notice: errors on the page, who is signed in and where, the language switch,
// signing out, and that the Content-Security-Policy blocks nothing.
// Screenshots go to tests/e2e/screens/ (not in git).
//
// Environment: see harness.mjs (FANGKONG_BIN, FANGKONG_TEST_TMP,
// FANGKONG_WEB_DIR).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, waitExit, screen, PHONE } from './harness.mjs';

const ORG_ZH = '示范研究所';
const ORG_EN = 'Demo Institute';

// The admin names the organisation (GET /api/v1/session carries it to the
// home page); a bearer token needs no CSRF header.
async function nameOrganisation(base) {
  const login = await fetch(base + '/api/v1/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-demo-2020' }),
  });
  assert.equal(login.status, 200, 'admin signs in');
  const { token } = await login.json();
  const put = await fetch(base + '/api/v1/settings', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ org_name: ORG_ZH, org_name_en: ORG_EN }),
  });
  assert.equal(put.status, 200, `PUT /api/v1/settings: ${await put.text()}`);
}

// ---- the test ---------------------------------------------------------------

describe('sign-in and home page in the browser', { timeout: 180000 }, () => {
  let t, server, context, page, cspViolations, pageErrors, badAssets;

  before(async () => {
    t = await setUp('e2e-login-');
    ({ server, context, page } = t);
    cspViolations = t.seen.csp;    // what the browser reported blocking
    pageErrors = t.seen.errors;    // uncaught exceptions in our scripts
    badAssets = t.seen.assets;     // CSS/JS/pages that did not load
    await nameOrganisation(server.base);
  });

  after(async () => {
    if (t)
      await t.close();
  });

  it('serves the pages with the strict Content-Security-Policy', async () => {
    for (const p of ['/', '/login.html']) {
      const res = await fetch(server.base + p);
      assert.equal(res.status, 200, `GET ${p}`);
      assert.match(res.headers.get('content-type') || '', /^text\/html/, `content type of ${p}`);
      const csp = res.headers.get('content-security-policy') || '';
      assert.match(csp, /script-src 'self'/, `CSP of ${p}: ${csp}`);
      assert.match(csp, /style-src 'self'/, `CSP of ${p}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline/, `CSP of ${p}`);
    }
  });

  it('shows the sign-in page in Chinese, fit for a phone', async () => {
    await page.goto(server.base + '/login.html');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal((await page.textContent('h1')).trim(), '登录');
    assert.equal((await page.textContent('#login-submit')).trim(), '登录');
    // the style sheet is applied: touch targets are large, nothing is wider than the screen
    const box = await page.locator('#login-submit').boundingBox();
    assert.ok(box && box.height >= 44, `sign-in button is ${box && box.height}px tall`);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `page is ${widths[0]}px wide on a ${widths[1]}px screen`);
    await page.screenshot({ path: screen('login-phone-zh.png'), fullPage: true });
  });

  it('asks for the missing field before sending anything', async () => {
    await page.click('#login-submit');
    await page.locator('#login-error').getByText('请输入用户名。').waitFor();
  });

  it('shows an error on the page for a wrong password', async () => {
    await page.fill('#username', 'staff');
    await page.fill('#password', 'not-the-password');
    await page.click('#login-submit');
    await page.locator('#login-error').getByText('用户名或密码不正确。').waitFor();
    assert.match(new URL(page.url()).pathname, /\/login\.html$/);
    await page.screenshot({ path: screen('login-error-phone-zh.png'), fullPage: true });
  });

  it('signs staff in and shows their username and role', async () => {
    await page.fill('#username', 'staff');
    await page.fill('#password', 'staff-demo-2020');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/'),
      page.click('#login-submit'),
    ]);
    await page.locator('#user-name').getByText('staff', { exact: true }).waitFor();
    assert.equal((await page.textContent('#user-role')).trim(), '职工');
    assert.equal((await page.textContent('#org-name')).trim(), ORG_ZH);
    assert.equal((await page.textContent('#logout')).trim(), '退出登录');
    const box = await page.locator('#logout').boundingBox();
    assert.ok(box && box.height >= 44, `sign-out button is ${box && box.height}px tall`);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `page is ${widths[0]}px wide on a ${widths[1]}px screen`);
    await page.screenshot({ path: screen('home-phone-zh.png'), fullPage: true });
  });

  it('switches to English, and remembers it', async () => {
    await page.click('#lang-switch');
    await page.locator('#user-role').getByText('Staff member', { exact: true }).waitFor();
    assert.equal((await page.textContent('#logout')).trim(), 'Sign out');
    assert.equal((await page.textContent('#org-name')).trim(), ORG_EN);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.reload();
    await page.locator('#user-role').getByText('Staff member', { exact: true }).waitFor();
    assert.match(await page.textContent('#greeting'), /Hello, staff/);
    await page.screenshot({ path: screen('home-phone-en.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: screen('home-desktop-en.png') });
    await page.setViewportSize(PHONE);
  });

  it('signs out to the sign-in page, after which home sends you back there', async () => {
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/login.html'),
      page.click('#logout'),
    ]);
    assert.equal((await page.textContent('h1')).trim(), 'Sign in');
    await page.goto(server.base + '/');
    await page.waitForURL((url) => url.pathname === '/login.html');
    assert.equal((await page.textContent('h1')).trim(), 'Sign in');
  });

  it('after too many failed sign-ins, tells how long to wait', async () => {
    await page.click('#lang-switch');   // back to Chinese
    await page.locator('h1').getByText('登录', { exact: true }).waitFor();
    const error = page.locator('#login-error');
    let text = '';
    for (let attempt = 1; attempt <= 6; attempt++) {
      await page.fill('#username', 'analyst');
      await page.fill('#password', `wrong-${attempt}`);
      await page.click('#login-submit');
      // the box is emptied on submit and filled with the answer
      await page.locator('#login-submit:not([disabled])').waitFor();
      await error.waitFor();
      text = (await error.textContent()).trim();
      if (text.startsWith('登录失败次数过多'))
        break;
      assert.equal(text, '用户名或密码不正确。', `attempt ${attempt}`);
    }
    assert.match(text, /^登录失败次数过多，请 \d+ (秒|分钟)后再试。$/);
    // the right password does not get in while the limit holds
    await page.fill('#username', 'analyst');
    await page.fill('#password', 'analyst-demo-2020');
    await page.click('#login-submit');
    await page.locator('#login-submit:not([disabled])').waitFor();
    assert.match((await error.textContent()).trim(), /^登录失败次数过多/);
    assert.match(new URL(page.url()).pathname, /\/login\.html$/);
    // and the message follows the language
    await page.click('#lang-switch');
    assert.match((await error.textContent()).trim(),
      /^Too many failed sign-ins\. Please try again in \d+ (seconds?|minutes?)\.$/);
    await page.click('#lang-switch');
  });

  it('reports no Content-Security-Policy violation, script error or missing file', async () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(badAssets, []);
    // and the watch would have seen one: an inline style is refused
    const probe = await context.newPage();
    const seen = [];
    probe.on('console', (msg) => { if (/CSP violation/.test(msg.text())) seen.push(msg.text()); });
    await probe.goto(server.base + '/login.html');
    await probe.evaluate(() => document.body.setAttribute('style', 'color: red'));
    await probe.waitForEvent('console', { predicate: (m) => /CSP violation/.test(m.text()), timeout: 5000 })
      .catch(() => {});
    await probe.close();
    assert.ok(seen.length > 0, 'an inline style was not reported as a CSP violation');
  });

  it('stops on SIGTERM with exit status 0', async () => {
    server.proc.kill('SIGTERM');
    const end = await waitExit(server.proc, 10000);
    assert.ok(end, `server still running 10 s after SIGTERM; stderr:\n${server.stderr()}`);
    assert.deepEqual(end, { code: 0, signal: null }, `stderr:\n${server.stderr()}`);
  });
});
