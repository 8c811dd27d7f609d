import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { UnavailableError } from '../http/domain-errors.js';
import { dashboardPage } from './dashboard.pages.js';
import { DASHBOARD_CSS } from './dashboard.style.js';

/** The page, its style, and its script: compiled by `npm run build` (browser/tsconfig.json) into dist/dashboard/app.js. */
@Injectable()
export class DashboardAssets {
  readonly page = dashboardPage();
  readonly style = DASHBOARD_CSS;
  private compiled: string | undefined;

  script(): string {
    this.compiled ??= readScript();
    return this.compiled;
  }
}

function readScript(): string {
  const file = join(projectRoot(), 'dist', 'dashboard', 'app.js');
  if (!existsSync(file)) throw new UnavailableError('the dashboard script is not built: run npm run build', 60);
  return readFileSync(file, 'utf8');
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
