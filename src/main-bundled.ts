import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';
import { onStarted } from './startup/started';

/**
 * `npm run start:prod`: main (src/main.ts) from the one-file bundle `npm run build` makes
 * (scripts/bundle.mjs), compiled with V8's code cache of it. A start then reads one file instead
 * of resolving and reading ~2,000 and skips compiling what earlier starts compiled: about half
 * the CPU of a start from dist/src/main.js (docs/operations.md, "Deploying"), which is on the path of
 * every restart and every new instance.
 *
 * The cache (`main.js.v8-cache` beside the bundle) is written by the first start after a build,
 * once it is up, so it holds every function a start runs; V8 refuses a cache of another source,
 * V8 version or flag set, and the start that finds it refused writes it again. Where dist/ is
 * read-only the cache is not written and each start compiles as without it.
 */
const BUNDLE = join(__dirname, 'bundle', 'main.js');
const CACHE = `${BUNDLE}.v8-cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(CACHE);
  } catch {
    return undefined;
  }
}

function writeCache(script: Script): void {
  const partial = `${CACHE}.${process.pid}`;
  try {
    writeFileSync(partial, script.createCachedData());
    // Whole or not at all: a concurrent start reads either no cache or a complete one.
    renameSync(partial, CACHE);
  } catch {
    // A read-only install: starts compile as without a cache.
  }
}

if (!existsSync(BUNDLE)) {
  process.stderr.write(`${BUNDLE} is missing: run \`npm run build\` first\n`);
  process.exit(1);
}
const cachedData = readCache();
const script = new Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), {
  filename: BUNDLE,
  cachedData,
  // TypeORM imports ES-module migrations with import(): resolved as in any other module.
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (cachedData === undefined || script.cachedDataRejected) {
  // After the start-up has compiled what it runs, off its path.
  onStarted(() => setImmediate(() => writeCache(script)));
}
const bundle = new Module(BUNDLE, module);
bundle.filename = BUNDLE;
const run = script.runInThisContext() as (
  exports: unknown,
  require: NodeJS.Require,
  module: Module,
  filename: string,
  dirname: string,
) => void;
run.call(bundle.exports, bundle.exports, createRequire(BUNDLE), bundle, BUNDLE, dirname(BUNDLE));
