// Free text from monitoring tools and people carries identifiers it should not: an MRN pasted into
// an error message, a caller's phone number in a report. Scrubbing happens at the edge, before an
// event is signed, journaled or logged, so nothing downstream can leak what it never received.

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '<email>'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '<ssn>'],
  // Labelled identifiers first, so "MRN: AB12345" loses the value whatever its shape; the value must
  // hold a digit so that "PID lookup failed" keeps its words.
  [/\b(mrn|mr#|medical record( number)?|patient( id)?|pid|acct|account( number)?|dob|ssn)\s*[:#=]?\s*[\w/-]*\d[\w/-]*/gi, '<$1>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?\b/g, '<date>'],
  [/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g, '<date>'],
  [/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, '<ip>'],
  [/(\+?1[ .-]?)?\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/g, '<phone>'],
  // Licence, passport and account numbers: letters mixed with five or more digits ("S99993907").
  [/\b(?=(?:[A-Za-z]*\d){5})[A-Za-z\d]{6,}\b/g, '<id>'],
  // Any remaining long digit run could be an MRN, account or device serial tied to a patient.
  [/\b\d{6,}\b/g, '<number>'],
];

export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
