// The web UI's first-render benchmark (issue 16), run by bench/ui.sh against a rolodeskd it
// started with a large account: signs in through the login page once, then opens the
// Organizations view (VIEW: own or all) RUNS times in the same tab, half with the browser's
// cache off (every asset and the page fetched again) and half with it on (a return visit),
// and prints one JSON line: per series the time from the navigation's start to the first
// rows on screen (a MutationObserver installed before any script of the page runs), the
// API requests the screen made and the bytes of its list answers. Not a test.
// Environment: ROLODESK_UI_URL, BENCH_UI_ACCOUNT, BENCH_UI_USERNAME, BENCH_UI_PASSWORD,
// BENCH_UI_VIEW (all), BENCH_UI_RUNS (20), CHROMIUM.
import { chromium } from 'playwright-core';

const BASE = process.env.ROLODESK_UI_URL;
const ACCOUNT = process.env.BENCH_UI_ACCOUNT;
const USERNAME = process.env.BENCH_UI_USERNAME;
const PASSWORD = process.env.BENCH_UI_PASSWORD;
const VIEW = process.env.BENCH_UI_VIEW || 'all';
const RUNS = Number(process.env.BENCH_UI_RUNS || 20);
if (!BASE || !ACCOUNT || !USERNAME || !PASSWORD) throw new Error('render-bench: run it through bench/ui.sh');

const args = ['--disable-gpu', '--disable-dev-shm-usage'];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: BASE });
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen = () => {
      const list = document.querySelector('[data-testid=org-list]');
      if (list && list.getAttribute('aria-busy') !== 'true' && list.querySelector('.org-name')) {
        window.__firstRows = performance.now();
        window.__rows = list.querySelectorAll('.org-name').length;
        return true;
      }
      return false;
    };
    new MutationObserver((_, obs) => {
      if (seen()) obs.disconnect();
    }).observe(document, { childList: true, subtree: true, attributes: true });
  });
  await page.goto('/login');
  await page.getByLabel('Account').fill(ACCOUNT);
  await page.getByLabel('Username').fill(USERNAME);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/organizations');

  const cdp = await context.newCDPSession(page);
  const path = VIEW === 'all' ? '/organizations?view=all' : '/organizations';
  const series = {};
  for (const cache of ['off', 'on']) {
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: cache === 'off' });
    const times = [];
    let apiRequests = 0, listBytes = 0, rows = 0;
    for (let i = 0; i < RUNS / 2; i++) {
      const api = [];
      const onResponse = (r) => {
        const p = new URL(r.url()).pathname;
        if (p.startsWith('/v1/'))
          api.push(p.startsWith('/v1/organizations') ? r.body().then((b) => b.length, () => 0) : 0);
      };
      page.on('response', onResponse);
      await page.goto(path);
      await page.waitForFunction(() => window.__firstRows !== undefined);
      times.push(await page.evaluate(() => window.__firstRows));
      rows = await page.evaluate(() => window.__rows);
      page.off('response', onResponse);
      apiRequests = api.length;
      listBytes = (await Promise.all(api)).reduce((a, b) => a + b, 0);
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    series[`cache_${cache}`] = {
      runs: times.length,
      median_ms: Number(at(0.5).toFixed(1)),
      max_ms: Number(times[times.length - 1].toFixed(1)),
      min_ms: Number(times[0].toFixed(1)),
      rows,
      api_requests: apiRequests,
      list_bytes: listBytes,
    };
  }
  console.log(JSON.stringify({ view: VIEW, ...series }));
} finally {
  await browser.close();
}
