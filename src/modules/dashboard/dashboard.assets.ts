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
/** What `npm run build` writes for the browser (browser/tsconfig.json): lower-case module names. */
const SCRIPT_NAME = /^[a-z][a-z-]*\.js$/;

/**
 * The page and what it loads, all from this process, none from the internet: the style, the
 * browser modules `npm run build` compiles (browser/tsconfig.json → dist/dashboard/*.js), and
 * uPlot's files from node_modules. Every one is code or style, no figure: served to anyone, so the
 * sign-in page is styled before there is a session. All of them are read once, at start: the route
 * is public, so a request (a scanner's, a thousand made-up names) never reaches the file system,
 * and a name that is not in the list is a 404.
 */
@Injectable()
export class DashboardAssets {
  readonly page = dashboardPage();
  private readonly assets: ReadonlyMap<string, Asset>;
  /** Whether the browser modules were built when corral started: without them the page cannot run. */
  private readonly built: boolean;

  constructor() {
    // Resolved at start: a missing package fails here, in the log, not in a browser later.
    const require = createRequire(import.meta.url);
    const vendor = (file: string, type: string): Asset => ({ type, body: readFileSync(require.resolve(file), 'utf8'), cacheControl: VENDOR });
    const scripts = compiledScripts(join(projectRoot(), 'dist', 'dashboard'));
    this.built = scripts?.has('app.js') ?? false;
    this.assets = new Map<string, Asset>([
      ['app.css', { type: CSS, body: DASHBOARD_CSS, cacheControl: OURS }],
      ['uPlot.iife.min.js', vendor('uplot/dist/uPlot.iife.min.js', JS)],
      ['uPlot.min.css', vendor('uplot/dist/uPlot.min.css', CSS)],
      ...[...(scripts ?? [])].map(([name, body]): [string, Asset] => [name, { type: JS, body, cacheControl: OURS }]),
    ]);
  }

  asset(name: string): Asset {
    const asset = this.assets.get(name);
    if (asset) return asset;
    if (!this.built && SCRIPT_NAME.test(name)) throw new UnavailableError('the dashboard script was not built when corral started: run npm run build, then restart corral', 60);
    throw new NotFoundError(`no dashboard asset "${name.slice(0, 64)}"`);
  }
}

/** The browser modules in `dir` by name, read once; undefined when they were never built. */
export function compiledScripts(dir: string): ReadonlyMap<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  return new Map(
    readdirSync(dir)
      .filter((name) => SCRIPT_NAME.test(name))
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
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
