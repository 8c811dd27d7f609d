/**
 * Imported first by main.ts and cli/corral.ts, so that an old Node stops with a sentence saying
 * what to do before anything else loads (corral's dependencies need Node 22 APIs; on Node 20 they
 * would fail later, less plainly).
 */
export const MIN_NODE_MAJOR = 22;
/** commander 15 (the CLI's parser) declares Node >= 22.12, the first 22.x with require(esm) unflagged. */
export const MIN_NODE_MINOR = 12;

/** Why corral cannot run on this Node version, or undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major > MIN_NODE_MAJOR || (major === MIN_NODE_MAJOR && minor >= MIN_NODE_MINOR)) return undefined;
  return (
    `corral needs Node.js ${MIN_NODE_MAJOR}.${MIN_NODE_MINOR} or newer; this is Node.js ${version}. ` +
    `Install Node.js ${MIN_NODE_MAJOR} LTS (https://nodejs.org), or in a checkout run it through ` +
    `scripts/current-node.sh (e.g. scripts/current-node.sh npm start), which fetches Node ${MIN_NODE_MAJOR} from the npm registry.`
  );
}

const problem = nodeVersionProblem(process.version);
if (problem) {
  console.error(problem);
  process.exit(1);
}
