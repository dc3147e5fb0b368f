// temporary: screenshots in segments for review (not part of the repo)
import { setUp, apiLogin } from './harness.mjs';
const t = await setUp('shoot-');
const base = t.server.base;
const office = await apiLogin(base, 'office', 'office-demo-2020');
const staff = await apiLogin(base, 'staff', 'staff-demo-2020');
const post = async (tok, body) => {
  const r = await fetch(base + '/api/v1/reports', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + tok }, body: JSON.stringify(body) });
  if (!r.ok) console.log(r.status, await r.text());
};
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const addDays = (d, n) => new Date(Date.parse(d) + n * 86400000).toISOString().slice(0, 10);
// some history for P0001 and others
for (let i = 12; i >= 1; i--)
  await post(office, { person_id: 'P0001', date: addDays(today, -i), temperature_c: 36.4, region_code: '110108', location: 'home', symptoms: i === 9 ? ['cough'] : [] });
await post(staff, { temperature_c: 38.1, symptoms: ['fever', 'cough'], region_code: '110108', location: 'home' });
const ids = ['P0002', 'P0003', 'P0004', 'P0005', 'P0006', 'P0007', 'P0008', 'P0009', 'P0010', 'P0011', 'P0012'];
for (let d = 20; d >= 0; d--)
  for (let k = 0; k < ids.length; k++) {
    if ((k + d) % 5 === 0) continue;
    const sym = (k + d) % 7 === 0 ? ['fatigue'] : [];
    await post(office, { person_id: ids[k], date: addDays(today, -d), temperature_c: k === 3 && d === 0 ? 35.0 : 36.6, region_code: k === 2 ? '420102' : '110108', location: k === 4 ? 'workplace' : 'home', symptoms: sym, exposure: k === 6 && d < 3 ? 'confirmed_contact' : 'none' });
  }
const page = t.page;
const which = process.argv[2] || 'dashboard';
const who = which === 'dashboard' ? ['office', 'office-demo-2020'] : ['staff', 'staff-demo-2020'];
await page.goto(base + '/login.html');
if (process.argv[3] === 'en') { await page.evaluate(() => localStorage.setItem('fangkong.lang', 'en')); }
await page.fill('#username', who[0]); await page.fill('#password', who[1]);
await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('#login-submit')]);
await page.goto(base + '/' + (which === 'home' ? '' : which + '.html'));
await page.waitForTimeout(1500);
const h = await page.evaluate(() => document.documentElement.scrollHeight);
const w = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
console.log('height', h, 'widths', w);
let n = 0;
for (let y = 0; y < h; y += 700) {
  await page.screenshot({ path: `/tmp/fkgen/shots/${which}-${n++}.png`, fullPage: true, clip: { x: 0, y, width: 390, height: Math.min(700, h - y) } });
}
console.log('shots', n, 'csp', t.seen.csp, 'errors', t.seen.errors, 'assets', t.seen.assets);
await t.close();
