/** Resource types a Subscription may notify corral of: directory and device state, never a chart. */
export const FHIR_NOTIFIED_TYPES = ['Device', 'DeviceMetric', 'Endpoint'] as const;
export type FhirNotifiedType = (typeof FHIR_NOTIFIED_TYPES)[number];

/** The `fhirSubscription:` section of the channels file (README "FHIR Subscription"). */
export interface FhirSubscriptionConfig {
  /** Names the sending server in events (`source.system`). */
  server: string;
  /** The types taken; a notification of any other is answered and ignored. */
  resourceTypes: FhirNotifiedType[];
  /** A reference (`Device/abc`, `Endpoint/lab`) or a type coding (`system|code`) → the corral system code. */
  systems: Record<string, string>;
  /** A reference (`Location/4w`, `Organization/lakeside`) → the facility code. */
  facilities: Record<string, string>;
}

const KEYS = ['server', 'resourceTypes', 'systems', 'facilities'];
const CODE = /^[a-z0-9][a-z0-9._:-]{0,127}$/;

export function parseFhirSubscriptionSection(raw: unknown, _env: NodeJS.ProcessEnv, problems: string[]): FhirSubscriptionConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const fail = (key: string, problem: string) => problems.push(`fhirSubscription.${key}: ${problem}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`fhirSubscription: must be a mapping (keys: ${KEYS.join(', ')})`);
    return undefined;
  }
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) if (!KEYS.includes(key)) fail(key, `unknown key (keys: ${KEYS.join(', ')})`);
  const server = section.server ?? 'fhir';
  if (typeof server !== 'string' || !CODE.test(server)) fail('server', 'must be a code such as epic-fhir');
  let resourceTypes: FhirNotifiedType[] = [...FHIR_NOTIFIED_TYPES];
  if (section.resourceTypes !== undefined) {
    const given = section.resourceTypes;
    if (!Array.isArray(given) || given.length === 0 || given.some((t) => !(FHIR_NOTIFIED_TYPES as readonly unknown[]).includes(t))) {
      fail('resourceTypes', `must list some of ${FHIR_NOTIFIED_TYPES.join(', ')} (corral never takes patient resources)`);
    } else resourceTypes = given as FhirNotifiedType[];
  }
  return { server: typeof server === 'string' ? server : 'fhir', resourceTypes, systems: codeMap(section.systems, 'systems', fail), facilities: codeMap(section.facilities, 'facilities', fail) };
}

function codeMap(value: unknown, key: string, fail: (key: string, problem: string) => void): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(key, 'must be a mapping of references (or system|code) to codes');
    return {};
  }
  const map: Record<string, string> = {};
  for (const [from, to] of Object.entries(value)) {
    if (typeof to !== 'string' || !CODE.test(to.toLowerCase())) fail(`${key}.${from}`, `must be a code such as lakeside, got ${JSON.stringify(to)}`);
    else map[from] = to.toLowerCase();
  }
  return map;
}
