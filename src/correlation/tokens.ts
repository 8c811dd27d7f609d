import { normalizeSymptom } from './signature.js';

// Report matching compares meaning-bearing words, not strings: "can't open discharge summary" and
// "Discharge summaries won't load" share {discharge, summary}. Negations and filler carry no
// signal about *which* system is broken, so they are dropped; plurals and verb endings are folded.

const STOPWORDS = new Set(
  (
    'a an the and or but of to in on at for from with by is are was were be been being it its this that these those ' +
    'i we you he she they me my our your their not no cannot cant can t won wont don dont doesn doesnt didnt isn isnt ' +
    'aren arent unable please help urgent again still keeps keep just any all some get getting got has have had ' +
    'do does did will would should could im ive there here when while after before since up down out into as s'
  ).split(' '),
);

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('es') && /(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * The words of a (scrubbed) report, as kept in an incident's vocabulary. What the scrubber took out
 * leaves no word behind: "[redacted:name]" would otherwise put "redacted" and "name" into every
 * report that held a name, and two such reports would look alike for it.
 */
export function tokensOf(text: string): string[] {
  const words = normalizeSymptom(text.replace(/\[redacted:[\w-]+\]/g, ' ').replace(/['’]/g, '')).split(' ');
  return [...new Set(words.filter((w) => w.length > 1 && !STOPWORDS.has(w)).map(stem))].sort();
}

/** Overlap coefficient |A∩B| / min(|A|,|B|): a short report fully inside a long title scores 1. */
export function overlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(b);
  const shared = a.filter((token) => set.has(token)).length;
  return shared / Math.min(a.length, new Set(a).size, set.size);
}

/** Adds tokens to a vocabulary, keeping it bounded so one chatty incident cannot grow without limit. */
export function widenVocabulary(vocabulary: readonly string[], tokens: readonly string[], limit = 64): string[] {
  if (tokens.every((t) => vocabulary.includes(t))) return vocabulary as string[];
  return [...new Set([...vocabulary, ...tokens])].slice(0, limit).sort();
}
