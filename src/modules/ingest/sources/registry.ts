import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGrafana } from './grafana.js';
import { normalizeHelpdesk } from './helpdesk.js';
import { normalizeHl7 } from './hl7.js';
import { normalizeMirth } from './mirth.js';
import type { NormalizeContext, Normalized } from './normalize-kit.js';
import { normalizeOkta } from './okta.js';
import { normalizePagerDuty } from './pagerduty.js';
import { normalizeScim } from './scim.js';

export const NATIVE_SOURCES = ['alertmanager', 'grafana', 'pagerduty', 'mirth', 'hl7', 'scim', 'okta', 'helpdesk'] as const;
export type NativeSource = (typeof NATIVE_SOURCES)[number];

export interface SourceAdapter {
  /** How the body is read: JSON for most tools, ER7 text for HL7 v2. */
  format: 'json' | 'text';
  normalize(body: unknown, context: NormalizeContext): Normalized;
}

/** One adapter per source; `POST /v1/ingest/<source>` and `corral.in.<source>` both come here. */
export const ADAPTERS: Record<NativeSource, SourceAdapter> = {
  alertmanager: { format: 'json', normalize: normalizeAlertmanager },
  grafana: { format: 'json', normalize: normalizeGrafana },
  pagerduty: { format: 'json', normalize: normalizePagerDuty },
  mirth: { format: 'json', normalize: normalizeMirth },
  hl7: { format: 'text', normalize: normalizeHl7 },
  scim: { format: 'json', normalize: normalizeScim },
  okta: { format: 'json', normalize: normalizeOkta },
  helpdesk: { format: 'json', normalize: normalizeHelpdesk },
};

export function isNativeSource(value: string | undefined): value is NativeSource {
  return (NATIVE_SOURCES as readonly string[]).includes(value ?? '');
}
