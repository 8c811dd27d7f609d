import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { parse } from 'yaml';
import { eventually, useCorralSuite } from '../support/harness.js';
import { fixture, holding, incidents } from './adapter-support.js';

// The integration files shipped in deploy/ (README "Sources"), used as an operator would use them,
// against a real corral over real HTTP. Alertmanager's file has its own suite with the real
// Alertmanager (alertmanager-e2e.test.ts); no Grafana or Mirth runs here, so for those the suite
// sends the request the shipped file or document makes those tools send.
const deploy = (name: string) => new URL(`../../deploy/${name}`, import.meta.url).pathname;
const run = promisify(execFile);

describe('shipped integration configs in deploy/', () => {
  const suite = useCorralSuite();
  let ingestKey = '';
  beforeAll(async () => {
    ingestKey = (await suite.corral.mintKey('ingest', { label: 'deploy configs' })).key;
  });

  describe('grafana-contact-point.yaml', () => {
    interface Receiver {
      type: string;
      disableResolveMessage: boolean;
      settings: Record<string, string>;
    }
    const file = parse(readFileSync(deploy('grafana-contact-point.yaml'), 'utf8')) as { apiVersion: number; contactPoints: Array<{ name: string; receivers: Receiver[] }> };

    /** Grafana's provisioning interpolation (pkg/services/provisioning/values): $VAR and ${VAR}, `$$` for a literal `$`. */
    const expand = (value: string, env: Record<string, string>) =>
      value
        .split('$$')
        .map((part) => part.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => env[braced ?? bare ?? ''] ?? ''))
        .join('$');

    /** What Grafana's webhook integration sends with these settings: the configured method, JSON, `Authorization: <scheme> <credentials>`. */
    const sendAsGrafana = (receiver: Receiver, body: string) => {
      const env = { CORRAL_URL: suite.corral.baseUrl, CORRAL_INGEST_KEY: ingestKey };
      const settings = Object.fromEntries(Object.entries(receiver.settings).map(([k, v]) => [k, expand(String(v), env)]));
      return fetch(settings.url ?? '', {
        method: settings.httpMethod ?? 'POST',
        headers: { 'content-type': 'application/json', authorization: `${settings.authorization_scheme ?? 'Bearer'} ${settings.authorization_credentials ?? ''}` },
        body,
      });
    };

    it('is a webhook contact point that keeps resolves and sends every alert', () => {
      expect(file.apiVersion).toBe(1);
      const receiver = file.contactPoints[0]?.receivers[0];
      expect(receiver).toMatchObject({ type: 'webhook', disableResolveMessage: false, settings: { httpMethod: 'POST', authorization_scheme: 'Bearer', maxAlerts: '0' } });
      // Nothing to edit: the address and the key come from Grafana's environment.
      expect(receiver?.settings).toMatchObject({ url: '${CORRAL_URL}/v1/ingest/grafana', authorization_credentials: '${CORRAL_INGEST_KEY}' });
    });

    it("Grafana's firing and resolved webhooks, sent with the file's settings, open and close corral's children", async () => {
      const receiver = file.contactPoints[0]?.receivers[0];
      if (!receiver) throw new Error('no receiver in deploy/grafana-contact-point.yaml');
      const firing = await sendAsGrafana(receiver, fixture('grafana/webhook-firing-docs.json'));
      expect(firing.status).toBe(202);
      expect(await firing.json()).toEqual({ accepted: 2, duplicates: 0, ignored: 0, rejected: [] });
      expect((await holding(suite, 'c6eadffa33fcdf37:2021-10-12T09:51:03.157076+02:00')).child).toMatchObject({ status: 'firing', source: { type: 'grafana' } });

      const resolved = await sendAsGrafana(receiver, fixture('grafana/webhook-resolved-zulip-fixture.json'));
      expect(resolved.status).toBe(202);
      const closed = await eventually(() => holding(suite, 'd8a21484c9c25a60:2022-06-17T00:41:00.782137894Z'), (h) => h.child.status === 'resolved');
      expect(closed.incident.status).toBe('resolved');
    });
  });

  describe('pagerduty-sender.sh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-sender-'));
    const keyFile = join(dir, 'ingest.key');
    const send = async (args: string[], env: Record<string, string> = {}) => {
      writeFileSync(keyFile, `${ingestKey}\n`, { mode: 0o600 });
      const environment = { PATH: process.env.PATH ?? '', CORRAL_URL: suite.corral.baseUrl, CORRAL_INGEST_KEY_FILE: keyFile, PAGERDUTY_ROUTING_KEY: 'nagios-overlake-0000000000000000', ...env };
      // Asynchronously: corral answers from this same process. `sh` as on a monitoring host (dash on Debian).
      return run('sh', [deploy('pagerduty-sender.sh'), ...args], { env: environment }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    };

    it('a trigger opens a firing child, a resolve with the same dedup key closes it', async () => {
      const summary = 'Pyxis "MedStation 4000" 3W:\nno\\heartbeat\tfor 5 min – ünïcode';
      const trigger = await send(['trigger', '--dedup-key', 'pyxis-3w/heartbeat', '--summary', summary, '--source', 'pyxis-3w.overlake.example', '--severity', 'critical', '--system', 'pyxis', '--facility', 'overlake', '--class', 'heartbeat-missing']);
      expect(trigger).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(trigger.stdout)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'pyxis-3w/heartbeat' });

      const opened = await holding(suite, 'pyxis-3w/heartbeat');
      expect(opened.child).toMatchObject({ kind: 'alert', status: 'firing', severity: 'critical', facility: 'overlake', source: { type: 'pagerduty' } });
      // Quotes, backslash and non-ASCII arrive intact; the line break and tab became spaces.
      expect(opened.incident.title).toBe('Pyxis "MedStation 4000" 3W: no\\heartbeat for 5 min – ünïcode');

      const resolve = await send(['resolve', '--dedup-key', 'pyxis-3w/heartbeat']);
      expect(resolve.code).toBe(0);
      const closed = await eventually(() => holding(suite, 'pyxis-3w/heartbeat'), (h) => h.child.status === 'resolved');
      expect([closed.incident.id, closed.incident.status]).toEqual([opened.incident.id, 'resolved']);
    });

    it('exits 3 on a refused key and 2 on an event corral refuses, saying why', async () => {
      const refused = await send(['resolve', '--dedup-key', 'x'], { CORRAL_INGEST_KEY_FILE: '', CORRAL_INGEST_KEY: 'crl_not-a-key' });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('corral refused the key (401)');

      const invalid = await send(['trigger', '--dedup-key', 'x', '--summary', 's', '--source', 'h', '--severity', 'disaster']);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('payload.severity');
    });
  });

  describe('mirth-hl7.md', () => {
    const doc = readFileSync(deploy('mirth-hl7.md'), 'utf8');
    /** The fenced code blocks of one language, also those indented under a list item. */
    const blocks = (language: string) =>
      [...doc.matchAll(new RegExp('^( *)```' + language + '\\n([\\s\\S]*?)\\n\\1```', 'gm'))].map(([, indent = '', code = '']) =>
        code.split('\n').map((line) => line.slice(indent.length)).join('\n'),
      );
    /** An HTTP message as the document writes it: start line, headers, blank line, body. */
    const message = (text: string) => {
      const [head = '', body = ''] = text.split(/\n\n/, 2);
      const [start = '', ...lines] = head.split('\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      return { start, headers, body };
    };
    const [requestText = '', answerText = ''] = blocks('http');
    const request = message(requestText);
    const answer = message(answerText);
    // Segments end in CR, as an interface engine sends them.
    const er7 = request.body.split('\n').join('\r');
    const sendAsDocumented = (headers: Record<string, string> = {}) => {
      const [method = '', path = ''] = request.start.split(' ');
      return fetch(`${suite.corral.baseUrl}${path}`, {
        method,
        headers: { 'content-type': request.headers['content-type'] ?? '', authorization: (request.headers.authorization ?? '').replace('${corral_ingest_key}', ingestKey), ...headers },
        body: er7,
      });
    };

    it("its example is a published NACK, and corral answers exactly the document's answer", async () => {
      expect(request.start).toBe('POST /v1/ingest/hl7 HTTP/1.1');
      expect(er7).toBe(fixture('hl7/ack-ar-err-hl7-v2xml-spec-example.hl7').trimEnd().split(/\r?\n|\r/).join('\r'));

      const response = await sendAsDocumented();
      expect(response.status).toBe(Number(answer.start.split(' ')[1]));
      expect(response.headers.get('content-type')).toBe(answer.headers['content-type']);
      expect(await response.json()).toEqual(JSON.parse(answer.body));
      const { child } = await holding(suite, 'hl7:LAB:767543:XX3657:ZZ9380:AR');
      expect(child).toMatchObject({ kind: 'interface', status: 'firing' });

      // "The same NACK sent again counts under duplicates."
      expect(await (await sendAsDocumented()).json()).toMatchObject({ accepted: 0, duplicates: 1 });
      // "Any other type, JSON included, is a 400."
      expect((await sendAsDocumented({ 'content-type': 'application/json' })).status).toBe(400);
      expect((await incidents(suite)).filter((i) => i.children.some((c) => c.id === child.id))).toHaveLength(1);
    });

    it("its Mirth filter passes NACKs and nothing else", () => {
      const filter = blocks('js').find((code) => code.includes("$r('d1')")) ?? '';
      // Run as Mirth runs a filter script: a function body, with $r reading the response map.
      const passes = (response: string | undefined): unknown =>
        runInNewContext(`(function () {\n${filter}\n})()`, { $r: (name: string) => (name === 'd1' && response !== undefined ? { getMessage: () => response } : null) });
      expect(passes(fixture('hl7/ack-ar-err-hl7-v2xml-spec-example.hl7'))).toBe(true);
      expect(passes(fixture('hl7/ack-ae-err-nist-iz.hl7'))).toBe(true);
      expect(passes(fixture('hl7/ack-aa-camel-mllp.hl7'))).toBe(false);
      expect(passes(fixture('hl7/adt-a01-ms-fhir-converter.hl7'))).toBe(false);
      expect(passes('')).toBe(false);
      expect(passes(undefined)).toBe(false);
    });
  });
});
