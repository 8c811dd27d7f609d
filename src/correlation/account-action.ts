// What happened to an account, as one action whatever the identity provider calls it. corral's own
// adapters name actions (`user.locked`, `mfa.failure`: Okta, SCIM); Duo, Entra ID and the rest come
// through the canonical intake with their own codes (`duo:error`, a sign-in error number the privacy
// filter may have redacted), and only their words say which trouble it is. Two people's trouble is
// one crowd's only when it is the same trouble (route.ts, spread across people).

/** An action in corral's own words: `user.locked`, `mfa.failure`, `password.reset` … */
const OWN_ACTION = /^(user|mfa|password)\.[a-z-]+$/;
/** Someone else approving or answering as the person: a security matter of its own, never a crowd's outage. */
const FRAUD = /\b(fraud|fraudulent|suspicious|risk detection|risky|anonymi[sz]ed ip|impossible travel)\b/i;
const LOCKED = /\b(locked|lockout|locked out|too many (sign-?in|login|log-?on) attempts)\b/i;
const SECOND_FACTOR = /\b(mfa|multi-?factor|second factor|strong authentication|push|authenticator|one-time|otp|verify)\b/i;
/** A second factor given back (reset, re-enrolled, a new phone): the fix of one person's trouble, not a failure. */
const RESET = /\b(reset|re-?enrol(l|led|ment)?|re-?register(ed)?|new (phone|device)|factors? (deleted|removed|cleared))\b/i;
const PASSWORD = /\b(invalid (username or )?password|wrong password|incorrect password|password (is )?(incorrect|invalid|expired))\b/i;

/** The action an identity event (or an identity incident, by its first event) stands for. */
export function accountAction(errorSignature: string | undefined, text: string): string {
  if (errorSignature && OWN_ACTION.test(errorSignature)) return errorSignature;
  if (FRAUD.test(text)) return 'mfa.fraud';
  if (LOCKED.test(text)) return 'user.locked';
  if (SECOND_FACTOR.test(text)) return RESET.test(text) ? 'mfa.reset' : 'mfa.failure';
  if (PASSWORD.test(text)) return 'password.failure';
  return errorSignature ?? '';
}
