import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ServiceProcess,
  startServiceProcess,
  stopServiceProcess,
} from '../support/service-process';
import { ensureBuilt } from '../support/build';
import { ADMIN_TOKEN } from '../support/test-app';

/**
 * `npm run start:prod` as production runs it: the one-file bundle of the build
 * (dist/src/bundle/main.js) through src/main-bundled.ts, which writes V8's code cache of it on
 * its first start and compiles from it afterwards. The bundle must be the same service: the
 * same OpenAPI document, the same validation, migrations found, Swagger UI's files served.
 */
const root = join(__dirname, '..', '..');
const BUNDLE = join(root, 'dist', 'src', 'bundle', 'main.js');
const CACHE = `${BUNDLE}.v8-cache`;

async function untilExists(path: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

describe('npm run start:prod: the bundled build with its code cache', () => {
  const env = {
    DATABASE_URL: process.env.DATABASE_URL!,
    ADMIN_TOKEN,
    DISPATCH_INTERVAL_MS: '0',
    INBOX_INTERVAL_MS: '0',
    LOG_FORMAT: 'json',
  };
  const started: ServiceProcess[] = [];
  beforeAll(() => {
    ensureBuilt([BUNDLE]);
    rmSync(CACHE, { force: true });
  }, 180_000);
  afterAll(async () => {
    for (const s of started) await stopServiceProcess(s);
  });

  it('serves the committed OpenAPI document and the contract, and caches its compilation', async () => {
    const first = await startServiceProcess(env, { compiled: true });
    started.push(first);
    // The first start after a build writes the cache once it is up.
    expect(await untilExists(CACHE, 10_000)).toBe(true);

    const served = (await (await fetch(`${first.url}/docs-json`)).json()) as unknown;
    expect(served).toEqual(JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')));
    const ui = await fetch(`${first.url}/docs/swagger-ui.css`);
    expect(ui.status).toBe(200);
    const bad = await fetch(`${first.url}/v1/clinics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 7 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    await stopServiceProcess(first);

    // A later start takes the cache as it is: a cache V8 refused would be written again.
    const written = statSync(CACHE).mtimeMs;
    const second = await startServiceProcess(env, { compiled: true });
    started.push(second);
    expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
    await sleep(500);
    expect(statSync(CACHE).mtimeMs).toBe(written);
    expect(second.output.join('')).not.toMatch(/"level":(50|60)/);
  }, 120_000);
});
