import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { minutes, startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import type { DashboardFrame } from '../src/modules/dashboard/browser/frame.js';
import { apiFetch, canonical, getJson, postJson, withClient } from './support/harness.js';

// Debian's Chromium, driven by playwright-core: no browser download.
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The screens the dashboard is made for: a desk, a tablet in portrait, a 4K wall. */
const SIZES = { desk: { width: 1400, height: 900 }, tablet: { width: 820, height: 1180 }, wall: { width: 3840, height: 2160 } };

/** The site's own rules: readable facility names in the alias table the correlation rules are. */
const SITE_RULES = `facilities:
  - id: fac.overlake
    version: 1
    facility: overlake
    codes: [ovl]
    name: Overlake Medical Center
  - id: fac.bellevue
    version: 1
    facility: bellevue
    name: Bellevue Hospital
`;

// Everything happens on corral's clock, which the test moves: six weeks of earlier incidents, then
// this morning's outage from 06:40 to now, 07:30 (T0 + 30 min).
let clocked: ClockedCorral;
const NOW = 30;
const occurred = () => clocked.clock.now().toISOString();
let n = 0;
const id = (prefix: string) => `${prefix}-${(n += 1)}`;

/** A monitor's alert. */
const alert = (system: string, facility: string, symptom: string, extra: Record<string, unknown> = {}) =>
  canonical({ id: id(`alert-${system}`), system, facility, symptom, errorSignature: symptom.toUpperCase().replace(/\W+/g, '_'), occurredAt: occurred(), ...extra });

/** A clinician's call through the helpdesk: a distinct person each. */
const call = (facility: string, department: string, person: string) =>
  canonical({
    id: id('call'),
    kind: 'report',
    source: { type: 'helpdesk', system: 'servicenow' },
    system: 'epic-hyperspace',
    facility,
    department,
    symptom: 'Epic Hyperspace unavailable',
    severity: 'medium',
    patientImpact: true,
    requester: { token: `clinician-${person}` },
    occurredAt: occurred(),
  });

/** An account locked or an MFA prompt failed, from Okta. */
const signInTrouble = (person: string, action: 'user.locked' | 'mfa.failure') =>
  canonical({ id: id('okta'), kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', facility: 'overlake', symptom: action, errorSignature: action, severity: 'low', requester: { token: `staff-${person}` }, occurredAt: occurred() });

/** Something done at a minute after T0 (negative: before). */
interface Step {
  at: number;
  run: () => Promise<unknown>;
}

/** The frame a stream answers first (a client that does not ask for text/event-stream gets it alone). */
const parseFrame = (text: string) => JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? 'null') as DashboardFrame;

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }>;
}

/** axe-core in the page: WCAG 2.1 A and AA and best practices; the serious and critical findings. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (scripts from its origin only) refuses a script tag.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = await page.evaluate<AxeResult>(`axe.run(document, { resultTypes: ['violations'] })`);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((node) => node.target))}`);
}

/**
 * The command centre's screen after a scripted outage: the shared EHR down at three sites (alerts
 * and 24 clinicians' calls), a label printer at one site (20 alerts), an identity burst (three
 * people's lockouts and MFA failures), a PACS incident acknowledged and resolved earlier, and six
 * weeks of incidents before (the outcome charts' history), all on corral's clock, moved by the test.
 * Seen through a leadership session: headline tiles, facility tiles with readable names, every
 * chart with data, small counts in words, live updates, three screen sizes, print, and axe-core.
 */
describe('dashboard after a scripted outage, in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const rulesDir = mkdtempSync(join(tmpdir(), 'corral-site-rules-'));
  writeFileSync(join(rulesDir, 'site.yaml'), SITE_RULES);
  const url = (path: string) => `${clocked.corral.baseUrl}${path}`;
  const artifacts = mkdtempSync(join(tmpdir(), 'corral-dashboard-outage-'));
  // CORRAL_DASHBOARD_SCREENSHOTS=docs writes the README's pictures there.
  const shots = process.env.CORRAL_DASHBOARD_SCREENSHOTS ? resolve(process.env.CORRAL_DASHBOARD_SCREENSHOTS) : artifacts;
  let leadershipKey = '';
  const figures: Record<string, number> = {};
  /** Script errors in the page: none may happen. */
  const pageErrors: string[] = [];

  /** Posts events at the clock's time, correlated before it answers; the incident the first joined. */
  const post = async (events: unknown[]): Promise<string> => {
    const response = await postJson<{ incidents: Array<{ incidentId: string }> }>(url('/v1/events?wait=correlated'), events);
    expect(response.status).toBe(202);
    return response.body.incidents[0]?.incidentId ?? '';
  };
  const command = async (incident: () => string, verb: 'acknowledge' | 'resolve') =>
    expect((await postJson(url(`/v1/incidents/${incident()}/${verb}`), verb === 'resolve' ? { note: 'fixed' } : {})).status).toBeLessThan(300);

  /** An incident opened at `at` by an alert, acknowledged and resolved so many minutes later. */
  const handled = (at: number, ackAfter: number, resolveAfter: number, event: () => Record<string, unknown>): Step[] => {
    let incident = '';
    return [
      { at, run: async () => (incident = await post([event()])) },
      { at: at + ackAfter, run: () => command(() => incident, 'acknowledge') },
      { at: at + resolveAfter, run: () => command(() => incident, 'resolve') },
    ];
  };

  /** Six weeks of the usual: the outcome charts' history, acknowledged and resolved a little faster each week. */
  const history = (): Step[] =>
    [6, 5, 4, 3, 2, 1].flatMap((weeksAgo) => {
      const day = -weeksAgo * 7 * 24 * 60 + 120;
      return [
        ...handled(day, 3 + weeksAgo, 35 + 8 * weeksAgo, () => alert('infusion-pumps', 'overlake', 'infusion pump library sync failed', { severity: 'critical', patientImpact: true })),
        ...handled(day + 30, 10 + 2 * weeksAgo, 90 + 15 * weeksAgo, () => alert('nurse-call', 'bellevue', 'nurse call console offline', { severity: 'high', patientImpact: true })),
        ...handled(day + 60, 25, 150 + 20 * weeksAgo, () => alert('pacs', 'kirkland', 'PACS image retrieval slow', { severity: 'high' })),
        ...handled(day + 90, 70, 240, () => alert('printer-pharmacy-02', 'bellevue', 'printer offline', { severity: 'medium' })),
      ];
    });

  /** This morning: PACS slow early on; from 06:40 the EHR down at three sites, a printer, an identity burst. */
  const outage = (): Step[] => {
    let ehr = '';
    const callers: Array<[facility: string, department: string, person: string]> = [
      ...Array.from({ length: 12 }, (_, i): [string, string, string] => ['overlake', i % 2 ? 'ed' : 'icu', `ovl-${i}`]),
      ...Array.from({ length: 9 }, (_, i): [string, string, string] => ['bellevue', 'ed', `bel-${i}`]),
      ...Array.from({ length: 3 }, (_, i): [string, string, string] => ['kirkland', 'lab', `kir-${i}`]),
    ];
    return [
      ...handled(-110, 15, 55, () => alert('pacs', 'bellevue', 'PACS image retrieval slow', { severity: 'high' })),
      // One monitor writes the site in capitals.
      { at: -20, run: async () => (ehr = await post([alert('epic', 'OVERLAKE', 'Epic Hyperspace unavailable', { severity: 'critical', patientImpact: true })])) },
      { at: -17, run: () => post([alert('epic', 'bellevue', 'Epic Hyperspace unavailable', { severity: 'critical', patientImpact: true })]) },
      { at: -13, run: () => post([alert('epic', 'kirkland', 'Epic Hyperspace unavailable', { severity: 'high', patientImpact: true })]) },
      ...callers.map(([facility, department, person], i) => ({ at: -18 + Math.round((i * 42) / callers.length), run: () => post([call(facility, department, person)]) })),
      { at: -8, run: () => command(() => ehr, 'acknowledge') },
      // A label printer at Bellevue's ED: its monitor repeats itself twenty times.
      ...Array.from({ length: 20 }, (_, i) => ({ at: -5 + Math.floor(i * 1.5), run: () => post([alert('printer-ed-zebra-01', 'bellevue', 'printer offline', { severity: 'medium' })]) })),
      // Three people locked out at Overlake, each after a failed MFA prompt.
      ...['a', 'b', 'c'].flatMap((person, i) => [
        { at: 5 + 3 * i, run: () => post([signInTrouble(person, 'mfa.failure')]) },
        { at: 6 + 3 * i, run: () => post([signInTrouble(person, 'user.locked')]) },
      ]),
    ];
  };

  beforeAll(async () => {
    clocked = await startClockedCorral({ CORRAL_SMALL_COUNT_THRESHOLD: '5', CORRAL_RULES_DIR: `config/rules:${rulesDir}` });
    leadershipKey = (await clocked.corral.mintKey('leadership', { label: 'Command centre wall' })).key;
    // In the order they happen: corral's clock only moves forward.
    for (const step of [...history(), ...outage()].sort((a, b) => a.at - b.at)) {
      clocked.clock.set(minutes(step.at));
      await step.run();
    }
    clocked.clock.set(minutes(NOW));

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    context = await browser.newContext({ viewport: SIZES.desk, timezoneId: 'UTC' });
    page = await context.newPage();
    await page.goto(url('/dashboard'));
    await page.fill('input[name="key"]', leadershipKey);
    // From here on (the sign-in page's 401 is expected), the page must run without an error.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await Promise.all([page.waitForURL(url('/dashboard')), page.click('button[type="submit"]')]);
    await page.waitForSelector('[data-incident]');
    await page.waitForFunction(`document.querySelectorAll('[data-incident]').length === 3`);
  }, 120_000);

  // The browser (and its live stream) goes before corral stops, as a wall screen would.
  afterAll(async () => {
    await browser?.close();
    await stopClockedCorral(clocked);
  });

  const tile = (name: string) => page.textContent(`[data-tile="${name}"] .value`);
  const tileNote = (name: string) => page.textContent(`[data-tile="${name}"] .tile-note`);
  const incident = (text: string) => page.locator('[data-incident]', { hasText: text });

  it('leads with what leadership asks first: open P1s, facilities, people, patient care, calls absorbed today', async () => {
    expect(await tile('p1')).toBe('1');
    expect(await tileNote('p1')).toBe('of 3 open incidents');
    // OVERLAKE and overlake are one site: three facilities, not four.
    expect(await tile('facilities')).toBe('3');
    expect(await tileNote('facilities')).toBe('Overlake Medical Center, Bellevue Hospital, kirkland');
    // 24 clinicians and 3 locked-out staff: the size of the outage is shown, as every leadership answer shows it.
    expect(await tile('people')).toBe('27');
    expect(await tile('patient')).toBe('1');
    // Every call joined the incident the monitors had opened: none became a ticket of its own.
    expect(await tile('absorbed')).toBe('24');
    expect(await tileNote('absorbed')).toMatch(/^calls that did not become tickets since 00:00$/);
  });

  it('words each incident by what it holds, with readable names and small counts as "fewer than 5"', async () => {
    const ehr = await incident('Epic').textContent();
    expect(ehr).toContain('P1');
    expect(ehr).toContain('Overlake Medical Center, Bellevue Hospital, kirkland');
    expect(ehr).toContain('24 people · 27 reports and alerts');
    expect(ehr).toContain('patient care');
    // A machine's incident counts alerts, never "0 people".
    const printer = await incident('printer-ed-zebra-01').textContent();
    expect(printer).toContain('20 alerts');
    expect(printer).not.toMatch(/people|person/);
    // Three people: leadership reads "fewer than 5", never the number.
    expect(await incident('Okta').textContent()).toContain('fewer than 5 people · 6 account events');
    const html = await page.content();
    expect(html).not.toMatch(/clinician-|staff-[abc]/);
  });

  it('shows the sites as tiles, worst first, with their systems, and sorts them on request', async () => {
    const sites = () => page.locator('#facilities .site-name').allTextContents();
    expect(await sites()).toEqual(['Overlake Medical Center', 'Bellevue Hospital', 'kirkland']);
    expect(await page.textContent('[data-facility="kirkland"]')).toContain('fewer than 5 people reporting');
    expect(await page.textContent('[data-facility="overlake"]')).toContain('15 people reporting');
    expect(await page.textContent('[data-facility="bellevue"]')).toContain('9 people reporting');
    expect(await page.textContent('[data-facility="bellevue"]')).toMatch(/P1.*Epic.*P4.*printer-ed-zebra-01/);

    await page.click('#facility-sort button[data-value="name"]');
    expect(await sites()).toEqual(['Bellevue Hospital', 'kirkland', 'Overlake Medical Center']);
    expect(await page.getAttribute('#facility-sort button[data-value="name"]', 'aria-pressed')).toBe('true');
    await page.click('#facility-sort button[data-value="worst"]');
  });

  it('draws every chart with data: open incidents over 24 h, 7 and 30 days, calls absorbed, time to acknowledge and to resolve, each incident\'s growth', async () => {
    const points = (selector: string) => page.getAttribute(selector, 'data-points').then(Number);
    for (const range of ['day', 'week', 'month']) {
      await page.click(`#open-range button[data-value="${range}"]`);
      expect([range, await points('#open-chart')]).toEqual([range, expect.any(Number)]);
      expect(await points('#open-chart')).toBeGreaterThan(0);
      // PACS was resolved at 06:05: in the last 6 h and 1 d, not in the last hour.
      const pacs = range === 'day' ? 0 : 1;
      expect(await page.getAttribute('#open-chart', 'aria-label')).toMatch(new RegExp(`^Open incidents by priority over the last (24 hours|7 days|30 days).*Latest: 1 P1, 0 P2, ${pacs} P3, 2 P4`));
    }
    await page.click('#open-range button[data-value="day"]');
    expect(await points('#absorbed-chart')).toBe(1);
    expect(await page.getAttribute('#absorbed-chart', 'aria-label')).toContain('Epic (P1) 24 calls');
    expect(await points('#ack-chart')).toBeGreaterThanOrEqual(2);
    expect(await points('#resolve-chart')).toBeGreaterThanOrEqual(1);
    // One sparkline per open incident; the identity burst's people stay off the chart (fewer than 5).
    for (const host of await page.locator('.incident .spark-host').all()) expect(Number(await host.getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await page.getAttribute('[data-incident]:has-text("Okta") .spark-host', 'aria-label')).toContain('fewer than 5 people');
    // The sparkline ends where the incident's own growth (GET /v1/incidents/{id}/blast-radius) ends.
    const frame = parseFrame(await (await apiFetch(url('/dashboard/stream'))).text());
    const ehr = frame.incidents.find((i) => i.system === 'epic-hyperspace');
    const own = await getJson<{ growth: { buckets: Array<{ totalChildren: number; totalRequesters: number }> } }>(url(`/v1/incidents/${ehr?.id ?? ''}/blast-radius`));
    const last = own.body.growth.buckets.at(-1);
    expect([ehr?.growth.events.at(-1), ehr?.growth.people.at(-1)]).toEqual([last?.totalChildren, last?.totalRequesters]);
    expect([last?.totalChildren, last?.totalRequesters]).toEqual([27, 24]);
    // Axes with units and dates: uPlot's axes are canvas, its legend and the unit are text.
    expect(await page.locator('#open-chart .u-legend').textContent()).toMatch(/P1.*P2.*P3.*P4/);
  });

  it('is used from the keyboard: the expanders are buttons with aria-expanded, Enter opens the spread and the growth on axes', async () => {
    // From the top of a fresh page, as a keyboard user arrives.
    await page.reload();
    await page.waitForSelector('[data-incident]');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to open incidents');
    for (let tabs = 0; tabs < 10 && !((await page.locator(':focus').getAttribute('class')) ?? '').includes('expander'); tabs += 1) await page.keyboard.press('Tab');
    const expander = page.locator(':focus');
    expect(await expander.getAttribute('aria-expanded')).toBe('false');
    expect(await expander.textContent()).toContain('Epic');

    await page.keyboard.press('Enter');
    expect(await expander.getAttribute('aria-expanded')).toBe('true');
    const detail = page.locator(`#${(await expander.getAttribute('aria-controls')) ?? ''}`);
    expect(await detail.isVisible()).toBe(true);
    expect(await detail.textContent()).toMatch(/kirkland: lab — fewer than 5 people/);
    expect(Number(await detail.locator('.growth-chart').getAttribute('data-points'))).toBeGreaterThan(0);

    await page.keyboard.press('Enter');
    expect(await expander.getAttribute('aria-expanded')).toBe('false');
    expect(await detail.isVisible()).toBe(false);
  });

  it('shows a new incident, its tiles and its facility within 1 s of the alert being posted, without a reload', async () => {
    const times: number[] = [];
    for (const [system, facility] of [['pharmacy-interface', 'redmond'], ['blood-bank-lis', 'issaquah'], ['infant-security', 'renton']] as const) {
      const before = await page.locator('[data-incident]').count();
      const posted = Date.now();
      const response = postJson(url('/v1/events'), alert(system, facility, `${system} unavailable`, { severity: 'critical', patientImpact: true }));
      await page.waitForSelector(`[data-incident]:has-text("${system}")`, { timeout: 3000 });
      times.push(Date.now() - posted);
      expect((await response).status).toBe(202);
      expect(await page.locator('[data-incident]').count()).toBe(before + 1);
      expect(await page.locator(`[data-facility="${facility}"]`).count()).toBe(1);
    }
    figures.liveUpdateMaxMs = Math.max(...times);
    console.log(`dashboard: POST to DOM ${times.join(', ')} ms`);
    expect(Math.max(...times)).toBeLessThan(1000);
    expect(await tile('p1')).toBe('4');
    expect(await tile('facilities')).toBe('6');
    expect(await page.textContent('#announce')).toContain('infant-security');
  });

  it('fits a desk (1,400 px), a tablet and a 4K wall without scrolling sideways, and passes axe-core with no serious violation', async () => {
    // As the screen is seen: no keyboard focus ring from the tests before.
    await page.evaluate(`document.activeElement?.blur()`);
    for (const [name, size] of Object.entries(SIZES)) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      const overflow = await page.evaluate<number>(`document.documentElement.scrollWidth - window.innerWidth`);
      expect([name, overflow]).toEqual([name, 0]);
      const file = join(shots, `dashboard-${name === 'desk' ? '1400' : name}.png`);
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: file, fullPage: name !== 'wall' });
      console.log(`dashboard screenshot: ${file}`);
    }
    await page.setViewportSize(SIZES.desk);
    // The wall screen lays the outcomes beside the blast radius: three columns.
    await page.setViewportSize(SIZES.wall);
    const columns = await page.evaluate<number>(`getComputedStyle(document.querySelector('main')).gridTemplateColumns.split(' ').length`);
    expect(columns).toBe(3);
    await page.setViewportSize(SIZES.desk);

    expect(await seriousViolations(page)).toEqual([]);
  });

  it('prints the huddle sheet: the blast radius now with every spread, the week\'s outcomes, black on white, as a PDF', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await page.locator('#print-title').isVisible()).toBe(true);
      expect(await page.textContent('#print-title')).toMatch(/^Morning huddle · blast radius at .* · outcomes of the last 7 days$/);
      expect(await page.locator('#print').isVisible()).toBe(false);
      // Every incident's spread is on paper, though none is expanded on screen.
      expect(await page.locator('.detail').first().isVisible()).toBe(true);
      expect(await page.locator('#week table').textContent()).toContain('P1');
      expect(await page.evaluate<string>(`getComputedStyle(document.body).backgroundColor`)).toBe('rgb(255, 255, 255)');
      expect(Number(await page.getAttribute('#ack-chart', 'data-points'))).toBeGreaterThan(0);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: join(shots, 'dashboard-print.png'), fullPage: true });

      const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
      writeFileSync(join(artifacts, 'huddle.pdf'), pdf);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      figures.pdfPages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      expect(figures.pdfPages).toBeGreaterThanOrEqual(2);
      console.log(`dashboard: huddle sheet ${pdf.length} bytes, ${figures.pdfPages} pages: ${join(artifacts, 'huddle.pdf')}`);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it('styles the sign-in page (its stylesheet is public) and it passes axe-core too', async () => {
    const anonymous = await browser.newContext({ viewport: SIZES.desk });
    try {
      const signIn = await anonymous.newPage();
      const response = await signIn.goto(url('/dashboard'));
      expect(response?.status()).toBe(401);
      // Styled: the card's background comes from the stylesheet, served without a session.
      expect(await signIn.evaluate<string>(`getComputedStyle(document.querySelector('main.sign-in')).borderRadius`)).toBe('10px');
      expect(await seriousViolations(signIn)).toEqual([]);
      await signIn.screenshot({ path: join(shots, 'dashboard-sign-in.png') });
    } finally {
      await anonymous.close();
    }
  });

  it('counts OVERLAKE and overlake as one facility in the API and on the screen, even in rows written before codes were lower-cased', async () => {
    // Rows as an older corral (or a hand fix) may have left them: the same site in capitals.
    await withClient(clocked.db.url, async (c) => {
      await c.query(`UPDATE incident_child SET facility = upper(facility) WHERE facility = 'overlake' AND kind = 'report' AND department = 'icu'`);
      await c.query(`UPDATE incident SET facilities = array_append(facilities, 'OVERLAKE'), system = upper(system) WHERE system = 'epic-hyperspace'`);
    });
    const blast = await getJson<{ totals: { facilitiesAffected: number }; facilities: Array<{ facility: string }>; grid: Array<{ facility: string; system: string }> }>(url('/v1/blast-radius'));
    expect(blast.body.totals.facilitiesAffected).toBe(6);
    expect(blast.body.facilities.map((f) => f.facility).filter((f) => f.toLowerCase() === 'overlake')).toEqual(['overlake']);
    expect(blast.body.grid.filter((c) => c.facility === 'overlake').map((c) => c.system).sort()).toEqual(['epic-hyperspace', 'okta']);

    await page.waitForFunction(`document.querySelector('[data-incident] .expander')?.textContent?.includes('Epic')`);
    expect(await tile('facilities')).toBe('6');
    expect(await page.locator('[data-facility="overlake"]').count()).toBe(1);
    expect(await page.locator('[data-facility="OVERLAKE"]').count()).toBe(0);
    console.log(`dashboard figures: ${JSON.stringify(figures)}`);
  });

  it('ran without a script error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
