// The web UI of issue 16 (first slice) in a real browser: Debian's Chromium, headless,
// driven by playwright-core, against a rolodeskd with the demo data that
// scripts/ui-tests.sh starts (ROLODESK_UI_URL). axe-core (from node_modules) checks each
// screen for serious or critical accessibility violations. Screenshots go to
// ROLODESK_UI_SHOTS (build/ui/ by default). Run through scripts/ui-tests.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BASE = process.env.ROLODESK_UI_URL;
const SHOTS = process.env.ROLODESK_UI_SHOTS;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'demo-password';
const CSP_PARTS = ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"];

if (!BASE) throw new Error('ROLODESK_UI_URL is not set (run scripts/ui-tests.sh)');

let browser;
before(async () => {
  const args = ['--disable-gpu', '--disable-dev-shm-usage'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
});

/** A fresh context (no cookies, no sessionStorage) and page; console errors and CSP
 *  violations are collected on the page. `extra`: more context options. */
async function newPage(viewport = { width: 1440, height: 900 }, extra = {}) {
  const context = await browser.newContext({ viewport, baseURL: BASE, ...extra });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return { context, page };
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function login(page, account = 'wdc', username = 'admin', password = PASSWORD) {
  await page.goto('/');
  await page.getByLabel('Account').fill(account);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function loginAsAdmin(page) {
  await login(page);
  await page.waitForURL('**/organizations');
  await page.getByTestId('org-list').waitFor();
}

async function orgNames(page) {
  return page.locator('[data-testid=org-list] .org-name').allTextContents();
}

// addScriptTag inlines axe.min.js, which the UI's CSP blocks: the axe test's context
// bypasses CSP (the CSP test runs with it on).
async function axeSerious(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document);
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

test('ISSUE16 login: the login page has labelled fields with password-manager autocomplete', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto('/');
    await page.waitForURL('**/login');
    assert.equal(await page.getByLabel('Account').getAttribute('autocomplete'), 'organization');
    assert.equal(await page.getByLabel('Username').getAttribute('autocomplete'), 'username');
    assert.equal(await page.getByLabel('Password').getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.getByLabel('Password').getAttribute('type'), 'password');
  } finally {
    await context.close();
  }
});

test('ISSUE16 login: signing in lands on the organizations with the account and user in the header', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    assert.equal(await page.getByTestId('account-name').textContent(), 'Widget Data Center');
    assert.match(await page.getByTestId('user-name').textContent(), /admin/);
    // The session is the cookie; the UI keeps no bearer token.
    const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
    assert.doesNotMatch(stored, /rd_[A-Za-z0-9_-]{20,}/);
  } finally {
    await context.close();
  }
});

test('ISSUE16 login: a wrong password shows the API message and stays on the login page', async () => {
  const { context, page } = await newPage();
  try {
    const answer = await (
      await fetch(`${BASE}/v1/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ account: 'wdc', username: 'admin', password: 'wrong-password' }),
      })
    ).json();
    await login(page, 'wdc', 'admin', 'wrong-password');
    await page.getByTestId('login-error').waitFor();
    assert.equal((await page.getByTestId('login-error').textContent()).trim(), answer.message);
    assert.match(page.url(), /\/login$/);
    assert.equal(await page.getByLabel('Account').inputValue(), 'wdc');
  } finally {
    await context.close();
  }
});

test('ISSUE16 keyboard: signing in with Tab and Enter only, with a visible focus ring', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto('/login');
    await page.getByLabel('Account').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-account');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused field shows a focus ring');
    await page.keyboard.type('wdc');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-username');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/organizations');
    await page.getByTestId('org-list').waitFor();
    // The list is reachable by keyboard too: Tab until an organization link has focus.
    let focused = '';
    for (let i = 0; i < 20 && !focused.startsWith('/organizations/'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement.getAttribute('href') || '');
    }
    assert.match(focused, /^\/organizations\/\d+$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/organizations\/\d+$/);
    // Focus moves to the organization's name, not back to the top of the page.
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  } finally {
    await context.close();
  }
});

test('ISSUE16 organizations: the own list shows Widget Labs and no foreign record', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    const names = await orgNames(page);
    assert.ok(names.includes('Widget Labs'), `list: ${names}`);
    assert.ok(!names.includes('GigaTera'), `own list has no foreign record: ${names}`);
    await shot(page, 'organizations');
  } finally {
    await context.close();
  }
});

test('ISSUE16 organizations: the search narrows the list, debounced', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    const before = await orgNames(page);
    const searches = [];
    page.on('request', (r) => {
      if (/\/v1\/organizations\?.*q=/.test(r.url())) searches.push(r.url());
    });
    await page.getByLabel('Search').pressSequentially('Labs', { delay: 30 });
    await page.waitForURL(/q=Labs/);
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('[data-testid=org-list] .org-name')].map((a) => a.textContent);
      return names.length > 0 && names.every((n) => /labs/i.test(n));
    });
    const names = await orgNames(page);
    assert.ok(names.includes('Widget Labs'));
    assert.ok(names.length < before.length, `${names.length} < ${before.length}`);
    // Four keys 30 ms apart, within the debounce: one request (more only if the machine
    // stalls between keys), never one per key.
    assert.ok(searches.length >= 1 && searches.length < 4, `search requests: ${searches}`);
  } finally {
    await context.close();
  }
});

test('ISSUE16 organizations: All Organizations marks foreign records with their account', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    await page.getByRole('button', { name: 'All Organizations' }).click();
    await page.waitForURL(/view=all/);
    await page.getByRole('heading', { name: 'All Organizations' }).waitFor();
    const foreign = page.locator('.org.foreign');
    await foreign.first().waitFor();
    // The API's own answer says which records are foreign, and whose.
    const expected = await page.evaluate(async () => {
      const res = await fetch('/v1/organizations/all?per_page=25', { credentials: 'same-origin' });
      return (await res.json()).filter((o) => o.foreign).map((o) => `${o.name}|Foreign: ${o.account.name}`);
    });
    assert.ok(expected.length > 0, 'the demo MSP sees foreign organizations');
    const shown = await foreign.evaluateAll((lis) =>
      lis.map((li) => `${li.querySelector('.org-name').textContent}|${li.querySelector('.badge').textContent}`),
    );
    assert.deepEqual(shown.sort(), expected.sort());
    assert.ok((await orgNames(page)).includes('Widget Labs'), 'own records are in the view too');
    await shot(page, 'all-organizations');
  } finally {
    await context.close();
  }
});

test('ISSUE16 organizations: Next page follows the Link header and shows one page at a time', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    // The first page of 25 holds every demo organization: Next page is off.
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
    const total = (await orgNames(page)).length;
    assert.ok(total >= 3);
    // Pages of 2, by rewriting the list's requests: the UI must then follow the Link.
    await page.route(/\/v1\/organizations\?/, (route) => {
      const u = new URL(route.request().url());
      u.searchParams.set('per_page', '2');
      return route.continue({ url: u.toString() });
    });
    await page.getByLabel('Search').fill('Widget');
    await page.waitForURL(/q=Widget/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=org-list] .org').length === 2);
    const first = await orgNames(page);
    const next = page.getByRole('button', { name: 'Next page' });
    await next.click();
    await page.waitForFunction(
      (prev) => {
        const names = [...document.querySelectorAll('[data-testid=org-list] .org-name')].map((a) => a.textContent);
        return names.length > 0 && names.join('|') !== prev;
      },
      first.join('|'),
    );
    const second = await orgNames(page);
    assert.ok(second.length <= 2);
    assert.ok(second.every((n) => !first.includes(n)), `${first} then ${second}`);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.waitForFunction((f) => [...document.querySelectorAll('[data-testid=org-list] .org-name')].map((a) => a.textContent).join('|') === f, first.join('|'));
  } finally {
    await context.close();
  }
});

test('ISSUE16 organization page: own record with contact details and parent; foreign record with its account', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    await page.getByRole('link', { name: 'Widget Labs' }).click();
    await page.waitForURL(/\/organizations\/\d+$/);
    await page.getByRole('heading', { level: 1, name: 'Widget Labs' }).waitFor();
    const text = await page.locator('main').textContent();
    assert.match(text, /Widget Data Center/); // account and parent
    assert.match(text, /Utrecht/);
    assert.match(text, /labs@widgetdc\.example/);
    await page.getByRole('link', { name: 'Widget Data Center', exact: true }).click(); // the parent
    await page.getByRole('heading', { level: 1, name: 'Widget Data Center' }).waitFor();
    await shot(page, 'organization');

    await page.goto('/organizations?view=all');
    await page.locator('.org.foreign .org-name').first().click();
    await page.waitForURL(/\/organizations\/\d+$/);
    await page.locator('.title-row .badge-foreign').waitFor();
    const id = page.url().split('/').pop();
    const api = await page.evaluate(async (n) => (await fetch(`/v1/organizations/${n}`)).json(), id);
    assert.equal(api.foreign, true);
    assert.equal((await page.locator('h1').textContent()).trim(), api.name);
    assert.match(await page.locator('.title-row .badge-foreign').textContent(), new RegExp(api.account.name));
    await shot(page, 'organization-foreign');
  } finally {
    await context.close();
  }
});

test('ISSUE16 login: a deep link opens after the login', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto('/organizations?view=all');
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Account').fill('wdc');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/organizations\?view=all$/);
    await page.getByRole('heading', { name: 'All Organizations' }).waitFor();
  } finally {
    await context.close();
  }
});

test('ISSUE16 errors: a 403 is shown as not allowed (a customer opening the organizations)', async () => {
  const { context, page } = await newPage();
  try {
    await login(page, 'wdc', 'ann');
    await page.waitForURL('**/organizations');
    await page.getByTestId('api-error').waitFor();
    assert.match(await page.getByTestId('api-error').textContent(), /not allowed/i);
  } finally {
    await context.close();
  }
});

test('ISSUE16 errors: a 401 (session gone) sends back to the login page', async () => {
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    await context.clearCookies();
    await page.getByRole('button', { name: 'All Organizations' }).click();
    await page.waitForURL('**/login');
    await page.getByText('Your session has ended').waitFor();
  } finally {
    await context.close();
  }
});

test('ISSUE16 sign out: returns to login and the token and cookie no longer work', async () => {
  const { context, page } = await newPage();
  try {
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/login'));
    await loginAsAdmin(page);
    const { token } = await (await answer).json();
    const cookie = (await context.cookies()).find((c) => c.name === 'rd_session');
    assert.ok(cookie, 'the login set the session cookie');
    const me = (headers) => fetch(`${BASE}/v1/me`, { headers }).then((r) => r.status);
    assert.equal(await me({ Authorization: `Bearer ${token}` }), 200);
    assert.equal(await me({ Cookie: `rd_session=${cookie.value}` }), 200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.getByText('You have signed out').waitFor();
    assert.equal(await me({ Authorization: `Bearer ${token}` }), 401);
    assert.equal(await me({ Cookie: `rd_session=${cookie.value}` }), 401);
    // Opening the list again asks for a login.
    await page.goto('/organizations');
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Account').waitFor();
  } finally {
    await context.close();
  }
});

test('ISSUE16 axe: no serious or critical violation on the login, list and organization pages', async () => {
  const { context, page } = await newPage(undefined, { bypassCSP: true });
  try {
    await page.goto('/login');
    await page.getByLabel('Account').waitFor();
    await shot(page, 'login');
    assert.deepEqual(await axeSerious(page), [], 'login page');
    await loginAsAdmin(page);
    assert.deepEqual(await axeSerious(page), [], 'organizations');
    await page.getByRole('button', { name: 'All Organizations' }).click();
    await page.locator('.org.foreign').first().waitFor();
    assert.deepEqual(await axeSerious(page), [], 'All Organizations');
    await page.getByRole('link', { name: 'Widget Labs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Widget Labs' }).waitFor();
    assert.deepEqual(await axeSerious(page), [], 'organization page');
  } finally {
    await context.close();
  }
});

test('ISSUE16 CSP: the header is on / and the UI runs without a CSP violation', async () => {
  const res = await fetch(`${BASE}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') || '';
  for (const part of CSP_PARTS) assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
  const { context, page } = await newPage();
  try {
    await loginAsAdmin(page);
    await page.getByRole('button', { name: 'All Organizations' }).click();
    await page.locator('.org.foreign').first().waitFor();
    await page.getByRole('link', { name: 'Widget Labs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Widget Labs' }).waitFor();
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, []);
    const cspErrors = page.consoleErrors.filter((t) => /Content.Security.Policy|CSP/i.test(t));
    assert.deepEqual(cspErrors, []);
    assert.deepEqual(page.consoleErrors, [], 'no console error at all');
  } finally {
    await context.close();
  }
});

for (const width of [360, 1440]) {
  test(`ISSUE16 layout: no horizontal scroll at ${width} px on the list and the organization page`, async () => {
    const { context, page } = await newPage({ width, height: 800 });
    try {
      await loginAsAdmin(page);
      await page.getByRole('button', { name: 'All Organizations' }).click();
      await page.locator('.org.foreign').first().waitFor();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok((await overflow()) <= 0, `list overflows by ${await overflow()} px`);
      if (width === 360) await shot(page, 'all-organizations-360');
      await page.getByRole('link', { name: 'Widget Labs' }).click();
      await page.getByRole('heading', { level: 1, name: 'Widget Labs' }).waitFor();
      assert.ok((await overflow()) <= 0, `organization page overflows by ${await overflow()} px`);
    } finally {
      await context.close();
    }
  });
}
