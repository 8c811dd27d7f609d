import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { NotFoundError, UnavailableError } from '../http/domain-errors.js';
import { dashboardPage } from './dashboard.pages.js';
import { DASHBOARD_CSS } from './dashboard.style.js';

export interface Asset {
  type: string;
  body: string;
  cacheControl: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
/** Ours change with each deployment (revalidate); uPlot's with an upgrade of the package. */
const OURS = 'no-cache';
const VENDOR = 'public, max-age=86400';

/**
 * The page and what it loads, all from this process, none from the internet: the style, the
 * browser modules `npm run build` compiles (browser/tsconfig.json → dist/dashboard/*.js), and
 * uPlot's files from node_modules. Every one is code or style, no figure: served to anyone, so the
 * sign-in page is styled before there is a session. Names come from a list made once, never from
 * the request's path.
 */
@Injectable()
export class DashboardAssets {
  readonly page = dashboardPage();
  private readonly vendor: ReadonlyMap<string, { type: string; file: string }>;
  private readonly compiledDir = join(projectRoot(), 'dist', 'dashboard');
  private readonly cache = new Map<string, Asset>();

  constructor() {
    // Resolved at start: a missing package fails here, in the log, not in a browser later.
    const require = createRequire(import.meta.url);
    this.vendor = new Map([
      ['uPlot.iife.min.js', { type: JS, file: require.resolve('uplot/dist/uPlot.iife.min.js') }],
      ['uPlot.min.css', { type: CSS, file: require.resolve('uplot/dist/uPlot.min.css') }],
    ]);
  }

  asset(name: string): Asset {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const asset = this.load(name);
    this.cache.set(name, asset);
    return asset;
  }

  private load(name: string): Asset {
    if (name === 'app.css') return { type: CSS, body: DASHBOARD_CSS, cacheControl: OURS };
    const vendor = this.vendor.get(name);
    if (vendor) return { type: vendor.type, body: readFileSync(vendor.file, 'utf8'), cacheControl: VENDOR };
    if (!/^[a-z][a-z-]*\.js$/.test(name)) throw new NotFoundError(`no dashboard asset "${name.slice(0, 64)}"`);
    if (!existsSync(this.compiledDir)) throw new UnavailableError('the dashboard script is not built: run npm run build', 60);
    if (!readdirSync(this.compiledDir).includes(name)) throw new NotFoundError(`no dashboard asset "${name}"`);
    return { type: JS, body: readFileSync(join(this.compiledDir, name), 'utf8'), cacheControl: OURS };
  }
}

/** The directory holding package.json, from this file in src/ (tests) or dist/src/ (production). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new UnavailableError('cannot find the project directory', 60);
    dir = parent;
  }
  return dir;
}
