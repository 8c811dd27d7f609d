import { jest } from '@jest/globals';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The file system as the assets see it, counting what they ask of it.
const asked = { exists: 0, list: 0, read: 0 };
jest.unstable_mockModule('node:fs', () => ({
  ...fs,
  existsSync: (...args: Parameters<typeof fs.existsSync>) => {
    asked.exists += 1;
    return fs.existsSync(...args);
  },
  readdirSync: (...args: Parameters<typeof fs.readdirSync>) => {
    asked.list += 1;
    return fs.readdirSync(...args);
  },
  readFileSync: (...args: Parameters<typeof fs.readFileSync>) => {
    asked.read += 1;
    return fs.readFileSync(...args);
  },
}));
const { compiledScripts, DashboardAssets } = await import('./dashboard.assets.js');
const { NotFoundError, UnavailableError } = await import('../http/domain-errors.js');

describe('DashboardAssets (GET /dashboard/assets/:name, a public route)', () => {
  it('reads every asset once, at start: a thousand requests for names that are not there touch no file and each is a 404', () => {
    const assets = new DashboardAssets();
    const atStart = { ...asked };
    // Without `npm run build` (which `npm test` runs first) a script name is a 503 that says so.
    const notThere = fs.existsSync(fileURLToPath(new URL('../../../dist/dashboard/app.js', import.meta.url))) ? NotFoundError : UnavailableError;

    for (let i = 0; i < 1000; i += 1) expect(() => assets.asset(`probe-${i}.js`)).toThrow(notThere);
    expect(() => assets.asset('../../package.json')).toThrow(NotFoundError);
    expect(assets.asset('app.css').type).toMatch(/^text\/css/);
    expect(assets.asset('uPlot.iife.min.js').cacheControl).toBe('public, max-age=86400');

    expect(asked).toEqual(atStart);
  });

  it('lists the compiled browser modules once, by name, and keeps them when the files go (a rebuild needs a restart)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-dashboard-assets-'));
    try {
      writeFileSync(join(dir, 'app.js'), 'export {};');
      writeFileSync(join(dir, 'charts.js'), 'export const chart = 1;');
      writeFileSync(join(dir, 'notes.txt'), 'not a module');
      const scripts = compiledScripts(dir);
      rmSync(join(dir, 'charts.js'));

      expect([...(scripts?.keys() ?? [])].sort()).toEqual(['app.js', 'charts.js']);
      expect(scripts?.get('charts.js')).toBe('export const chart = 1;');
      expect(compiledScripts(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
