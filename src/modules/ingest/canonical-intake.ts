import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { CanonicalEvent } from '../../correlation/canonical-event.js';
import { protect, type PrivacyMemo } from '../../correlation/privacy.js';
import { scrubText } from '../../correlation/scrub.js';
import { VALIDATOR_OPTIONS } from '../http/validation.js';
import { CanonicalEventDto } from './canonical-event.dto.js';
import { admit, type AdmittedEvent } from './admission.js';
import { intakeMemo } from './intake-memo.js';
import { acceptsCanonical } from './canonical-fast-check.js';
import { fastInstant, fastIso } from './instant.js';
import { nestingProblem } from './limits.js';
import { holdsBrokenText } from './unicode.js';

export interface FieldProblem {
  field: string;
  problems: string[];
}

export type Parsed = { ok: true; event: AdmittedEvent } | { ok: false; reason: string; fields: FieldProblem[] };

export interface IntakeContext {
  tokenKey: string;
  /** When the request arrived: a Date, or its ISO form (toISOString), formatted once for all its events. */
  receivedAt: Date | string;
  correlationId?: string;
  /** The request's privacy memo, shared by its events, so values they repeat are tokenized once. */
  memo?: PrivacyMemo;
}

/**
 * Validates one canonical event (a certainly-valid one by the shortcut in canonical-fast-check,
 * anything else by the DTO, which names what is wrong) and applies the per-field privacy table at the edge
 * (`protect`): free text scrubbed, ids and requester identity tokenized, code fields that are not
 * codes refused with the field named. Nothing unscrubbed passes.
 */
export function parseCanonical(raw: unknown, context: IntakeContext): Parsed {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'an event must be a JSON object', fields: [] };
  }
  if (holdsBrokenText(raw)) {
    return { ok: false, reason: 'an event must be valid Unicode: a string escapes a surrogate without its partner (\\ud800–\\udfff)', fields: [] };
  }
  let dto: CanonicalEventDto;
  if (acceptsCanonical(raw)) {
    dto = raw;
  } else {
    // class-transformer recurses: a deep enough value overflows the stack. The shortcut above only
    // takes events two levels deep.
    const tooDeep = nestingProblem(raw, 'event');
    if (tooDeep) return { ok: false, reason: `event ${tooDeep.problems.join(', ')}`, fields: [tooDeep] };
    dto = plainToInstance(CanonicalEventDto, raw);
    const errors = validateSync(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) {
      const fields = flatten(errors);
      return { ok: false, reason: fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; '), fields };
    }
  }
  const event: CanonicalEvent = {
    id: dto.id,
    schemaVersion: '1',
    kind: dto.kind,
    source: { type: dto.source.type, system: dto.source.system, ...(dto.source.instance ? { instance: dto.source.instance } : {}) },
    occurredAt: Number.isNaN(fastInstant(dto.occurredAt)) ? new Date(dto.occurredAt).toISOString() : fastIso(dto.occurredAt),
    receivedAt: typeof context.receivedAt === 'string' ? context.receivedAt : context.receivedAt.toISOString(),
    status: dto.status,
    severity: dto.severity,
    system: dto.system,
    symptom: dto.symptom,
    patientImpact: dto.patientImpact,
    correlationId: dto.correlationId ?? context.correlationId ?? randomUUID(),
    ...(dto.facility ? { facility: dto.facility } : {}),
    ...(dto.department ? { department: dto.department } : {}),
    ...(dto.location ? { location: dto.location } : {}),
    ...(dto.errorSignature ? { errorSignature: dto.errorSignature } : {}),
    ...(dto.labels ? { labels: dto.labels } : {}),
    ...(dto.requester
      ? {
          requester: {
            token: dto.requester.token,
            ...(dto.requester.role ? { role: dto.requester.role } : {}),
            ...(dto.requester.department ? { department: dto.requester.department } : {}),
          },
        }
      : {}),
  };
  // Without a request's memo (one NATS message), intake's clean texts still spare the scrubber's rules.
  const kept = protect(event, context.tokenKey, 'refuse', context.memo ?? intakeMemo(context.tokenKey));
  if (!kept.ok) return { ok: false, reason: `${kept.field}: ${kept.problem}`, fields: [{ field: kept.field, problems: [kept.problem] }] };
  // Admission after the privacy table: a control character in a code field is refused there, naming it.
  return admit(kept.event);
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    // An unknown property is named in the answer: its name may be what must not be echoed.
    const field = scrubText(prefix ? `${prefix}.${error.property}` : error.property);
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints).map((problem) => problem.split(error.property).join(scrubText(error.property))) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
