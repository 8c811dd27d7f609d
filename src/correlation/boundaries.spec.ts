import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';

// The core is the part of corral a newcomer reads first: it must stand on its own. Its files import
// one another without a cycle (type imports count: a cycle of types is still a knot to read through),
// and nothing from the actors, the modules or I/O; of packages only `node:crypto` (hashing is
// computation) and `ms` (durations in rule files). Nor does it keep state between calls: a memo is
// an object its caller holds (CleanTexts, HmacSha256, SourceInterner). The checks read the sources
// themselves, so a new file is covered without being listed.

const DIR = new URL('./', import.meta.url);
const PACKAGES = new Set(['node:crypto', 'ms']);

const sources = readdirSync(DIR).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
const importsOf = new Map(
  sources.map((file) => [file, ts.preProcessFile(readFileSync(new URL(file, DIR), 'utf8'), true, true).importedFiles.map((i) => i.fileName)] as const),
);

describe('the core (src/correlation)', () => {
  it('imports nothing from outside itself but node:crypto and ms', () => {
    const outside = [...importsOf].flatMap(([file, imports]) =>
      imports.filter((name) => (name.startsWith('.') ? !/^\.\/[\w-]+\.js$/.test(name) : !PACKAGES.has(name))).map((name) => `${file} imports ${name}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no import cycle, type imports included', () => {
    const edges = new Map([...importsOf].map(([file, imports]) => [file, imports.filter((n) => n.startsWith('./')).map((n) => n.slice(2).replace(/\.js$/, '.ts'))]));
    expect(cycles(edges)).toEqual([]);
  });

  it('keeps no state of its own: no module-level `let`, and no module-level Map to fill', () => {
    const stateful = sources.flatMap((file) => {
      const source = ts.createSourceFile(file, readFileSync(new URL(file, DIR), 'utf8'), ts.ScriptTarget.Latest);
      return source.statements.flatMap((statement) => {
        if (!ts.isVariableStatement(statement)) return [];
        const list = statement.declarationList;
        if (!(list.flags & ts.NodeFlags.Const)) return [`${file}: ${list.declarations.map((d) => d.name.getText(source)).join(', ')} (not const)`];
        return list.declarations.flatMap((d) =>
          d.initializer && ts.isNewExpression(d.initializer) && /^(Weak)?Map$/.test(d.initializer.expression.getText(source)) ? [`${file}: ${d.name.getText(source)} (a Map)`] : [],
        );
      });
    });
    expect(stateful).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

/** Each strongly connected group of more than one file (Tarjan), sorted: every one is a cycle. */
function cycles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (stack.includes(next)) low.set(file, Math.min(low.get(file) as number, index.get(next) as number));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member !== undefined) group.push(member);
    } while (member !== undefined && member !== file);
    if (group.length > 1) found.push(group.sort());
  };
  for (const file of edges.keys()) if (!index.has(file)) visit(file);
  return found;
}
