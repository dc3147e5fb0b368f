// harness.mjs -- what the browser tests share: the server on a fresh demo
// database, Debian's chromium at a phone viewport, and a watch on what the
// browser reports (CSP violations, script errors, files that did not load).
//
// Environment: FANGKONG_BIN (default ../../build/fangkong), FANGKONG_TEST_TMP
// (scratch folder, created if missing; default the system's temp folder),
// FANGKONG_WEB_DIR (serve the pages from this folder with --web-dir instead
// of the copies embedded in the binary), FANGKONG_KEEP_TMP (keep the scratch
// folder).

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.FANGKONG_BIN || path.resolve(HERE, '../../build/fangkong');
export const SCRATCH = process.env.FANGKONG_TEST_TMP || tmpdir();
export const SCREENS = path.join(HERE, 'screens');
export const CHROMIUM = '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Start `fangkong serve` and resolve with {proc, base, stderr()} once it
// prints its "listening on" line.
export function startServer(db) {
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0'];
  if (process.env.FANGKONG_WEB_DIR)
    args.push('--web-dir', process.env.FANGKONG_WEB_DIR);
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const stderr = () => log.slice(-8000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => { log = (log + chunk).slice(-64000); });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no "listening on" line within 20 s; stderr:\n${stderr()}`));
    }, 20000);
    proc.on('error', (err) => { clearTimeout(timer); reject(err); });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}); stderr:\n${stderr()}`));
    });
    const lines = readline.createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/.exec(line);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        resolve({ proc, base: m[1], stderr });
      }
    });
  });
}

// Resolve with {code, signal} when proc exits, or null after ms.
export function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null)
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    proc.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

// Sign in over the API; resolve with the bearer token.
export async function apiLogin(base, username, password) {
  const res = await fetch(base + '/api/v1/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, `${username} signs in`);
  return (await res.json()).token;
}

// A scratch folder with a fresh demo database, the server on it, and a
// phone-sized chromium whose every page is watched.  Resolves with
// {dir, server, context, page, seen: {csp, errors, assets}, watch(page), close()}.
export async function setUp(prefix) {
  assert.ok(existsSync(BIN), `no fangkong binary at ${BIN} (set FANGKONG_BIN)`);
  mkdirSync(SCRATCH, { recursive: true });
  mkdirSync(SCREENS, { recursive: true });
  const dir = mkdtempSync(path.join(SCRATCH, prefix));
  const db = path.join(dir, 't.db');
  execFileSync(BIN, ['init', '--db', db, '--demo'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const server = await startServer(db);

  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  // The browser's own report of anything the policy blocked; init
  // scripts are not subject to the page's CSP.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
        + ` at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  context.setDefaultTimeout(15000);

  const seen = { csp: [], errors: [], assets: [] };
  const watch = (p) => {
    p.on('console', (msg) => {
      const text = msg.text();
      if (/Content[- ]Security[- ]Policy|CSP violation/i.test(text))
        seen.csp.push(text);
    });
    p.on('pageerror', (err) => seen.errors.push(String(err)));
    p.on('response', (res) => {
      const url = new URL(res.url());
      if (!url.pathname.startsWith('/api/') && res.status() >= 400)
        seen.assets.push(`${res.status()} ${url.pathname}`);
    });
  };
  const page = context.pages()[0] || await context.newPage();
  watch(page);

  const close = async () => {
    await context.close().catch(() => {});
    if (server.proc.exitCode === null && server.proc.signalCode === null) {
      server.proc.kill('SIGTERM');
      if (!(await waitExit(server.proc, 10000)))
        server.proc.kill('SIGKILL');
    }
    if (!process.env.FANGKONG_KEEP_TMP)
      rmSync(dir, { recursive: true, force: true });
  };
  return { dir, server, context, page, seen, watch, close };
}

// The page is no wider than the screen.
export async function assertFits(page, what) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `${what}: page is ${widths[0]}px wide on a ${widths[1]}px screen`);
}

export function screen(name) {
  return path.join(SCREENS, name);
}

// ---- the page frame, as a person uses it -------------------------------------

// Sign in through the sign-in page and land on home.
export async function signIn(page, base, username, password) {
  await page.goto(base + '/login.html');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/'),
    page.click('#login-submit'),
  ]);
  await page.locator('#user-name').getByText(username, { exact: true }).waitFor();
}

export async function signOut(page) {
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/login.html'),
    page.click('#logout'),
  ]);
}

// The hrefs of the navigation, in order.
export async function navLinks(page) {
  return page.locator('#nav .nav-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

// Press the language switch and wait until the page is in lang.
export async function switchLanguage(page, lang) {
  await page.click('#lang-switch');
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}
