import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { apiFetch, canonical, getJson, postJson } from './support/harness.js';

// The clinicians' known-issues page after a scripted outage (Epic down at three sites, a local
// printer, one person's locked account), read as a ward would: through a signed link, in Debian's
// Chromium, with no key. It shows the problems in plain words, never what a person wrote, who
// wrote it or counts under five; "This affects me too" files the person's report on the incident.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SECRET = 'known-issues-link-secret-for-tests-0123456789';
// What clinicians wrote, and who they are: none of it may reach the page or its API.
const WORDS = 'DISCHARGE-SCREEN-FROZEN-Q7';
const REQUESTER = (n: number) => `rn.caller${n}@lakeside.example`;

let h: ClockedCorral | undefined;
let context: BrowserContext | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await context?.close();
  await stopClockedCorral(h);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const at = (minute: number) => new Date(Date.parse('2026-11-24T07:00:00Z') + minute * 60_000).toISOString();

describe('known-issues page', () => {
  let lakesideLink = '';
  let epicId = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-known-issues-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'channels.yaml'), ['knownIssues:', '  linkSecretEnv: CORRAL_TEST_KNOWN_ISSUES_SECRET', '  timeZone: Europe/London', '  linkTtl: 30d'].join('\n'));
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: join(dir, 'channels.yaml'), CORRAL_TEST_KNOWN_ISSUES_SECRET: SECRET, CORRAL_SMALL_COUNT_THRESHOLD: '5' });
    const base = h.corral.baseUrl;
    const alerts = ['lakeside', 'overlake', 'riverside'].map((facility, n) =>
      canonical({ id: `ki-epic-${facility}`, system: 'epic', facility, symptom: 'Epic login page not responding', errorSignature: 'DOWN', severity: 'critical', patientImpact: true, occurredAt: at(2 + n) }),
    );
    const printer = canonical({ id: 'ki-printer-lakeside', system: 'printer-4w-01', facility: 'lakeside', symptom: 'label printer offline', errorSignature: 'OFFLINE', severity: 'medium', occurredAt: at(4) });
    const lockout = canonical({ id: 'ki-lockout', kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', facility: 'lakeside', symptom: 'user.account.lock', errorSignature: 'user.account.lock', severity: 'medium', requester: { token: 'one-person' }, occurredAt: at(5) });
    // A system down with no site named (the VPN concentrator): every site's problem.
    const { facility: _none, ...everywhere } = canonical({ id: 'ki-vpn', system: 'citrix-gateway', symptom: 'gateway not answering', errorSignature: 'DOWN', severity: 'high', occurredAt: at(5) });
    expect((await postJson(`${base}/v1/events?wait=correlated`, [...alerts, printer, lockout, everywhere])).status).toBe(202);
    for (let n = 0; n < 6; n++) {
      const report = { id: `ki-report-${n}`, channel: 'phone', text: `${WORDS} Epic frozen on 4 West, Carolee951 Sanford861 bed 12`, requester: REQUESTER(n), system: 'epic', facility: 'lakeside', occurredAt: at(6 + n) };
      expect((await postJson(`${base}/v1/ingest/helpdesk?wait=correlated`, report)).status).toBe(202);
    }
    for (let n = 0; n < 2; n++) {
      const report = { id: `ki-printer-report-${n}`, channel: 'portal', text: 'label printer by the 4W nurses station will not print wristbands', requester: REQUESTER(10 + n), system: 'printer-4w-01', facility: 'lakeside', occurredAt: at(8 + n) };
      expect((await postJson(`${base}/v1/ingest/helpdesk?wait=correlated`, report)).status).toBe(202);
    }
    const { body: list } = await getJson<{ items: Array<{ id: string; system: string }> }>(`${base}/v1/incidents?limit=50`);
    // The EHR's canonical code (the shipped rules know "epic" as Epic Hyperspace).
    epicId = list.items.find((i) => i.system.startsWith('epic'))?.id ?? '';
    expect(epicId).not.toBe('');
    const { key: admin } = await h.corral.mintKey('admin', { label: 'service desk lead' });
    const link = await postJson<{ url: string; expires: string }>(`${base}/v1/known-issues/links`, { facility: 'LAKESIDE' }, { key: admin });
    expect(link.status).toBe(200);
    lakesideLink = link.body.url.replace(/^https?:\/\/[^/]+/, base);
  });

  it('publishes an agent’s note only when it names no one', async () => {
    const base = h?.corral.baseUrl ?? '';
    const { key } = (await h?.corral.mintKey('agent', { label: 'epic on-call' })) ?? { key: '' };
    const put = (body: unknown) => apiFetch(`${base}/v1/incidents/${epicId}/public-note`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, { key });
    const refused = await put({ note: 'Call Carolee951 Sanford861 on 555-201-3344 when it is back' });
    expect(refused.status).toBe(400);
    expect((await put({ note: 'x', eta: 'tomorrow' })).status).toBe(400);
    expect((await put({ note: 'Use the downtime order forms; results print on the unit printer.', eta: at(150) })).status).toBe(204);
  });

  it('answers the API through the signed link, in plain words, with nothing a person wrote or who they are', async () => {
    const base = h?.corral.baseUrl ?? '';
    const api = lakesideLink.replace('/known-issues?', '/v1/known-issues?');
    const anonymous = await apiFetch(api, {}, { key: null });
    expect(anonymous.status).toBe(200);
    const body = (await anonymous.json()) as { issues: Array<Record<string, unknown>> };
    const epic = body.issues.find((i) => i.id === epicId);
    expect(epic).toMatchObject({ affected: 'Epic at Lakeside, Overlake and Riverside', sinceLocal: '07:02', state: 'being worked on', priority: 'P1', reporters: 6, reported: '6 people have reported this', note: 'Use the downtime order forms; results print on the unit printer.', eta: '09:30', patientCare: true });
    // The printer: the page's facility, fewer than five people. One person's locked account: not the ward's business.
    // The remote-access gateway (the rules' `citrix`) names no site: it is on every site's page.
    expect(body.issues.map((i) => i.system).sort()).toEqual(['citrix', 'epic-hyperspace', 'printer-4w-01']);
    const text = JSON.stringify(body);
    for (const secret of [WORDS, 'Carolee951', 'Sanford861', 'lakeside.example', 'rn.caller', 'one-person', 'requester']) expect(text).not.toContain(secret);

    // Without the link, with a link widened or moved, or expired: refused with what to do.
    expect((await apiFetch(`${base}/v1/known-issues`, {}, { key: null })).status).toBe(401);
    expect((await apiFetch(api.replace('facility=lakeside', 'facility=overlake'), {}, { key: null })).status).toBe(401);
    expect((await apiFetch(api.replace(/facility=lakeside&?/, ''), {}, { key: null })).status).toBe(401);
    h?.clock.set(new Date(Date.parse('2026-11-24T07:00:00Z') + 31 * 86_400_000));
    const expired = await apiFetch(api, {}, { key: null });
    h?.clock.set(new Date(Date.parse('2026-11-24T07:20:00Z')));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { message: string }).message).toContain('expired');
  });

  it('shows the page in Chromium, and "This affects me too" files one report per person on the incident', async () => {
    const base = h?.corral.baseUrl ?? '';
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'corral-chromium-')), { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1000, height: 900 } });
    const page = context.pages()[0] ?? (await context.newPage());
    const response = await page.goto(lakesideLink);
    expect(response?.status()).toBe(200);
    const card = page.locator('li.issue', { hasText: 'Epic at Lakeside' });
    await expect(card.locator('h3').textContent()).resolves.toBe('Epic at Lakeside, Overlake and Riverside');
    await expect(card.textContent()).resolves.toContain('6 people have reported this');
    await expect(page.locator('li.issue', { hasText: 'Printer 4W' }).textContent()).resolves.toContain('Fewer than 5 people have reported this');
    const shown = (await page.content()) + (await page.locator('body').innerText());
    for (const secret of [WORDS, 'Carolee951', 'Sanford861', 'lakeside.example', 'rn.caller', 'one-person']) expect(shown).not.toContain(secret);
    // CORRAL_DASHBOARD_SCREENSHOTS=docs writes the README's picture there (as the dashboard's test does).
    const shots = process.env.CORRAL_DASHBOARD_SCREENSHOTS ? resolve(process.env.CORRAL_DASHBOARD_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'corral-known-issues-shot-'));
    await page.screenshot({ path: join(shots, 'known-issues.png'), fullPage: true });

    await card.getByRole('button', { name: 'This affects me too' }).click();
    await page.waitForURL(/thanks=joined/);
    await expect(page.locator('.thanks').textContent()).resolves.toContain('You do not need to call');
    await expect(page.locator('li.issue', { hasText: 'Epic at Lakeside' }).textContent()).resolves.toContain('7 people have reported this');
    // The same browser again: counted once.
    await page.locator('li.issue', { hasText: 'Epic at Lakeside' }).getByRole('button').click();
    await page.waitForURL(/thanks=(?!joined)/, { timeout: 5000 }).catch(() => undefined);
    expect([page.url(), (await page.content()).slice(0, 400)]).toEqual([expect.stringContaining('thanks=already'), expect.anything()]);
    const { body: detail } = await getJson<{ distinctRequesters: number; children: Array<{ kind: string; source: { system: string } }> }>(`${base}/v1/incidents/${epicId}`);
    expect(detail.distinctRequesters).toBe(7);
    expect(detail.children.filter((c) => c.source.system === 'known-issues')).toHaveLength(1);

    // A "me too" posted from elsewhere carries no visitor cookie (SameSite=Strict): refused, nothing filed.
    const forged = await apiFetch(lakesideLink.replace('/known-issues?', `/known-issues/${epicId}/me-too?`), { method: 'POST', redirect: 'manual' }, { key: null });
    expect(forged.status).toBe(400);

    // A script holding the link cannot grow a problem's count without bound: 25 an hour from one address.
    const vpn = ((await (await apiFetch(lakesideLink.replace('/known-issues?', '/v1/known-issues?'), {}, { key: null })).json()) as { issues: Array<{ id: string; system: string }> }).issues.find((i) => i.system === 'citrix');
    const outcomes: string[] = [];
    for (let n = 0; n < 27; n++) {
      const answer = await apiFetch(lakesideLink.replace('/known-issues?', `/v1/known-issues/${vpn?.id}/me-too?`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visitor: `script-${n}` }) }, { key: null });
      outcomes.push(((await answer.json()) as { outcome: string }).outcome);
    }
    expect(outcomes.filter((o) => o === 'enough')).toHaveLength(2);
  });
});
