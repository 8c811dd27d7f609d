/** The `fhirSubscription:` section of the channels file. */
export interface FhirSubscriptionConfig {
  placeholder?: never;
}

export function parseFhirSubscriptionSection(raw: unknown, _env: NodeJS.ProcessEnv, problems: string[]): FhirSubscriptionConfig | undefined {
  if (raw === undefined) return undefined;
  problems.push('fhirSubscription: not built yet');
  return undefined;
}
