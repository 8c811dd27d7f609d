import { HmacSha256 } from '../../correlation/hmac.js';
import { PrivacyMemo } from '../../correlation/privacy.js';
import { CleanTexts } from '../../correlation/scrub.js';

// What intake keeps across requests, for this thread (the main thread and each intake worker have
// their own): the texts its scrubbing found clean (during a storm every alert repeats its summary
// and system, and the scrubber's rules run over each once) and the token key made ready (its pads
// cost more than a token). The core keeps neither itself; intake owns them.
const cleanTexts = new CleanTexts();
let signer: HmacSha256 | undefined;

/** A request's privacy memo (or one NATS message's), with what this thread keeps across requests. */
export function intakeMemo(tokenKey: string): PrivacyMemo {
  if (signer?.key !== tokenKey) signer = new HmacSha256(tokenKey);
  return new PrivacyMemo(cleanTexts, signer);
}
