import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The console's files ship in the package's `console/` folder, beside `config/`. */
export function consoleAssetsDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('console assets: package root not found');
    dir = parent;
  }
  return join(dir, 'console');
}

/** Every file the console serves, and its type: nothing else is read from disk. */
export const CONSOLE_FILES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'time.js': 'text/javascript; charset=utf-8',
  'appointments.js': 'text/javascript; charset=utf-8',
  'report.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'inbox.js': 'text/javascript; charset=utf-8',
  'calendar.js': 'text/javascript; charset=utf-8',
  'surveys.js': 'text/javascript; charset=utf-8',
  'broadcasts.js': 'text/javascript; charset=utf-8',
  'experiments.js': 'text/javascript; charset=utf-8',
  'call-list.js': 'text/javascript; charset=utf-8',
};
