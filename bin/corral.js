#!/usr/bin/env node
// `npx corral …` and `npm run corral -- …`: the command line, run from the build in dist/ so that
// no call compiles TypeScript. `npm ci` / `npm install` build it (the "prepare" script), and so
// does `npm run build`. Plain JavaScript on purpose: this file must run before anything is built.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const entry = new URL('dist/src/cli/corral.js', root);

if (!existsSync(entry)) {
  process.stderr.write('corral: the command line is not built yet (no dist/ here): run "npm run build" (npm ci does it too), then try again\n');
  process.exit(1);
}

// In a checkout, a source file changed since the build means the command would run old code.
// Say so rather than build: a build takes seconds, and a command must not change dist/ unasked.
const sources = new URL('src/', root);
if (existsSync(sources)) {
  const built = statSync(entry).mtimeMs;
  const newer = readdirSync(sources, { recursive: true }).find((file) => String(file).endsWith('.ts') && statSync(new URL(String(file), sources)).mtimeMs > built);
  if (newer) process.stderr.write(`corral: src/${String(newer)} changed after the last build; run "npm run build" to use the change\n`);
}

await import(entry.href);
