import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { apiFetch, canonical, postJson, useCorralSuite } from './support/harness.js';

// Debian's Chromium (installed by .ci/run), driven by playwright-core: no browser download.
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const alert = (system: string, facility: string, extra: Record<string, unknown> = {}) =>
  canonical({ id: `dash-${system}-${facility}-${Math.random().toString(36).slice(2)}`, system, facility, symptom: `${system} down`, errorSignature: 'DOWN', occurredAt: new Date().toISOString(), ...extra });

/**
 * The dashboard in a real browser: refused without a session, signed into with a leadership key
 * through the sign-in form, and updated live (server-sent events) when an alert arrives.
 */
describe('dashboard in headless Chromium', () => {
  let context: BrowserContext;
  // Declared before the suite's own hooks so it runs first (jest runs afterAll hooks in order): the
  // browser and its live stream are gone before corral stops, as a wall screen would be.
  afterAll(async () => {
    await context?.close();
  });
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5' });
  let page: Page;
  let leadershipKey = '';

  beforeAll(async () => {
    leadershipKey = (await suite.corral.mintKey('leadership', { label: 'Command centre wall' })).key;
    // Something to look at: a P1 ADT outage with callers, and a lab interface issue downstream.
    const calls = Array.from({ length: 14 }, (_, n) =>
      canonical({
        id: `dash-call-${n}`,
        kind: 'report',
        source: { type: 'helpdesk', system: 'servicenow' },
        system: 'epic-adt',
        facility: n < 9 ? 'overlake' : 'bellevue',
        department: n % 2 ? 'ed' : 'icu',
        symptom: 'epic-adt down',
        severity: 'medium',
        patientImpact: true,
        requester: { token: `dash-clinician-${n}` },
        occurredAt: new Date().toISOString(),
      }),
    );
    const seed = [
      alert('epic-adt', 'overlake', { severity: 'critical', patientImpact: true }),
      alert('epic-adt', 'bellevue', { severity: 'high', patientImpact: true }),
      alert('lab-interface', 'overlake', { severity: 'high' }),
      alert('pacs', 'kirkland', { severity: 'medium' }),
    ];
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, seed)).status).toBe(202);
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, calls)).status).toBe(202);

    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'corral-chromium-')), {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1600, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  it('answers a browser without a session with 401 and a sign-in form, not the dashboard', async () => {
    const response = await page.goto(`${suite.corral.baseUrl}/dashboard`);

    expect(response?.status()).toBe(401);
    expect(await page.locator('form[action="/dashboard/session"] input[name="key"]').count()).toBe(1);
    expect(await page.locator('#incidents').count()).toBe(0);
  });

  it('refuses a key whose role may not see the dashboard', async () => {
    await page.fill('input[name="key"]', (await suite.corral.mintKey('agent')).key);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);

    expect(response?.status()).toBe(403);
    expect(await page.textContent('main')).toContain('may not view the dashboard');
    expect(await context.cookies()).toEqual([]);
  });

  it('signs in with a leadership key into an HttpOnly, SameSite=Strict cookie the API does not accept', async () => {
    await page.fill('input[name="key"]', leadershipKey);
    await Promise.all([page.waitForURL(`${suite.corral.baseUrl}/dashboard`), page.click('button[type="submit"]')]);
    await page.waitForSelector('#status:has-text("Live")', { timeout: 5000 });

    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.path, c.httpOnly, c.sameSite])).toEqual([['corral_dashboard', '/dashboard', true, 'Strict']]);
    expect(cookies[0]?.value).not.toContain(leadershipKey);
    // The session opens the dashboard only: the same cookie sent to the API is no credential.
    const cookie = `corral_dashboard=${cookies[0]?.value ?? ''}`;
    expect((await apiFetch(`${suite.corral.baseUrl}/v1/blast-radius`, { headers: { cookie } }, { key: null })).status).toBe(401);
    expect((await apiFetch(`${suite.corral.baseUrl}/dashboard/stream`, { headers: { cookie } }, { key: null })).status).toBe(200);
  });

  it('shows the open incidents by priority, the facilities and the headline, with small counts in words', async () => {
    await page.waitForSelector('[data-incident]');
    const priorities = await page.locator('.incident .expander .prio').allTextContents();

    expect(priorities[0]).toMatch(/P1$/);
    // ADT at Overlake and Bellevue (the calls joined them), lab interface, PACS.
    expect(priorities).toHaveLength(4);
    expect(await page.textContent('[data-tile="p1"] .tile-note')).toBe('of 4 open incidents');
    expect(await page.textContent('[data-tile="facilities"] .value')).toBe('3');
    expect(await page.locator('#facilities .site-name').allTextContents()).toEqual(expect.arrayContaining(['overlake', 'bellevue', 'kirkland']));
    // The Kirkland PACS incident has one alert and no caller: "fewer than 5 alerts", and no "0 people".
    const pacs = await page.textContent('[data-incident]:has-text("pacs")');
    expect(pacs).toContain('fewer than 5 alerts');
    expect(pacs).not.toContain('people');
    expect(await page.content()).not.toContain('dash-clinician-');
  });

  it('says how fresh its figures are, and counts live what waits while correlation is behind', async () => {
    await page.waitForSelector('#freshness:has-text("0 events waiting")', { timeout: 5000 });
    expect(await page.textContent('#freshness')).toMatch(/^data as of \d\d:\d\d:\d\d · 0 events waiting$/);

    // Hold the inbox cursor's row: the correlator's next commit waits, so the two alerts stay pending.
    const held = new pg.Client({ connectionString: suite.db.url });
    await held.connect();
    try {
      await held.query('BEGIN');
      await held.query('SELECT position FROM inbox_cursor FOR UPDATE');
      expect((await postJson(`${suite.corral.baseUrl}/v1/events`, [alert('pacs', 'kirkland'), alert('pacs', 'kirkland')])).status).toBe(202);
      // A leadership screen: the count is no people count, so it is shown as it is, not "<5".
      await page.waitForSelector('#freshness:has-text("2 events waiting to be correlated")', { timeout: 3000 });
    } finally {
      await held.query('ROLLBACK');
      await held.end();
    }
    await page.waitForSelector('#freshness:has-text("0 events waiting")', { timeout: 5000 });
  });

  it('can be used from the keyboard: the first Tab reaches the skip link, Enter on an incident opens its spread', async () => {
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to open incidents');

    await page.focus('.incident .expander');
    await page.keyboard.press('Enter');
    expect(await page.locator('.incident .expander').first().getAttribute('aria-expanded')).toBe('true');
    expect(await page.textContent('.incident .spread')).toMatch(/overlake|bellevue/);
  });

  it('shows a new incident within 2 s of its alert being accepted, without a reload', async () => {
    const before = await page.locator('[data-incident]').count();
    const posted = await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, alert('pharmacy-interface', 'redmond', { severity: 'critical', patientImpact: true }));
    expect(posted.status).toBe(202);
    const accepted = Date.now();

    await page.waitForSelector('[data-incident]:has-text("pharmacy-interface")', { timeout: 2000 });

    expect(Date.now() - accepted).toBeLessThan(2000);
    expect(await page.locator('[data-incident]').count()).toBe(before + 1);
    expect(await page.textContent('#announce')).toContain('pharmacy-interface');
  });

  it('signs out: the session ends on the server, the cookie is dropped, and the sign-in form is back', async () => {
    const cookie = `corral_dashboard=${(await context.cookies())[0]?.value ?? ''}`;
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form.sign-out button')]);

    // 303 to /dashboard, which without a session is the sign-in form (401).
    expect(response?.status()).toBe(401);
    expect(await page.locator('form[action="/dashboard/session"] input[name="key"]').count()).toBe(1);
    expect(await context.cookies()).toEqual([]);
    // A copy of the old cookie (another tab, a saved request) no longer opens anything.
    expect((await apiFetch(`${suite.corral.baseUrl}/dashboard/stream`, { headers: { cookie } }, { key: null })).status).toBe(401);
  });
});
