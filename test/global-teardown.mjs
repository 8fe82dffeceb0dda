import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { missingTools, notRunLine } = require('./support/external-tools.js');

export default async function globalTeardown(globalConfig, projectConfig) {
  const pg = globalThis.__TURNOUT_EMBEDDED_PG__;
  if (pg) await pg.stop();
  // Named only when this run would have picked those specs (its config and the paths asked).
  const matches = (spec) =>
    (projectConfig.testRegex ?? []).some((regex) => new RegExp(regex).test(spec)) &&
    (!globalConfig.testPathPattern || new RegExp(globalConfig.testPathPattern, 'i').test(spec));
  const line = notRunLine(missingTools().filter((tool) => tool.specs.some(matches)));
  if (line) console.log(line);
}
