import { nodeVersionProblem } from './node-version.js';

describe('the Node version corral starts on', () => {
  it('refuses Node older than 22.12, saying which version it found and what to do', () => {
    for (const version of ['v20.20.2', 'v18.0.0', 'v21.7.3', 'v22.11.0']) {
      const problem = nodeVersionProblem(version);
      expect(problem).toContain(`this is Node.js ${version}`);
      expect(problem).toContain('Node.js 22.12 or newer');
      expect(problem).toContain('scripts/current-node.sh');
    }
  });

  it('accepts Node 22.12 and newer', () => {
    for (const version of ['v22.12.0', 'v22.23.5', 'v23.0.0', 'v24.9.0', 'v100.1.0']) expect(nodeVersionProblem(version)).toBeUndefined();
  });
});

describe('the Node the suites run on', () => {
  it('is 22 or newer: npm test goes through scripts/current-node.sh, so CI tests what users run', () => {
    expect(nodeVersionProblem(process.version)).toBeUndefined();
  });
});
