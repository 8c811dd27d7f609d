import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// SQL lives in repositories: a reader looking for what touches a table finds it in a file named for
// it (`*.repository.ts`), and a service reads as what it decides, not how rows are fetched. The
// actor store's persistence (`persistence/*-store.ts`) and the database module itself (connection,
// migration lock, readiness probe, embedded cluster) are the other places allowed. The check reads
// the sources, so a new file is covered without being listed.

const SRC = fileURLToPath(new URL('../../', import.meta.url));
/** A statement sent to the database: raw SQL, or TypeORM's repository and query builder. */
const TOUCHES_DATABASE = /\.query\s*[<(]|\bgetRepository\s*\(|\bcreateQueryBuilder\s*\(/;

const ALLOWED: Array<[RegExp, string]> = [
  [/\.repository\.ts$/, 'a repository'],
  [/^modules\/persistence\/[\w-]+-store\.ts$/, "the actor store's persistence"],
  [/^modules\/database\//, 'the database module'],
  // Its own LISTEN connection for key changes, and that connection's liveness probe: no table is read.
  [/^modules\/auth\/api-key-cache\.ts$/, 'a notification listener'],
];

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('where SQL lives', () => {
  it('sends statements to the database only from repositories', () => {
    const outside = sourcesUnder(SRC)
      .map((path) => relative(SRC, path).split('\\').join('/'))
      .filter((file) => TOUCHES_DATABASE.test(readFileSync(join(SRC, file), 'utf8')))
      .filter((file) => !ALLOWED.some(([pattern]) => pattern.test(file)));
    expect(outside).toEqual([]);
  });
});
