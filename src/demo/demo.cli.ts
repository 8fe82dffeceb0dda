import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '../config/app-config';
import { loadDemoConfig } from '../config/demo-config';
import { isPortFree } from '../startup/free-port';
import { findRadicale, runCalDavStory, startDemoRadicale } from './demo-caldav';
import { DemoClient } from './demo-client';
import { DemoService } from './demo-service';
import { printAudit, playStaff } from './demo-staff';
import { printExperiment, printReport, runStory } from './demo-story';
import { printBackfill } from './demo-waitlist';
import { Progress } from './progress';

/**
 * `npm run demo`: starts the real service on its embedded PostgreSQL, plays a clinic's week
 * through the public API (reminders, every kind of patient answer, arrivals, no-shows marked by
 * the system), prints the no-show report and how to open the console, then leaves the service
 * running until Ctrl-C.
 */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

async function main(p: Progress): Promise<void> {
  const config = loadDemoConfig();
  // `npm run demo -- --caldav`: the calendar lives in a local Radicale instead of uploads
  const caldav = process.argv.includes('--caldav');
  const radicalePath = caldav ? findRadicale() : undefined;
  if (caldav && !radicalePath) {
    throw new ConfigError('--caldav needs Radicale (Debian: apt-get install radicale)');
  }
  const root = packageRoot();
  const shown = relative(process.cwd(), config.dataDir) || '.';
  const kept = existsSync(join(config.dataDir, 'admin-token'));
  p.say('Turnout demo: a clinic’s week, played through the API in about two minutes.');
  p.step(
    `Data: ${shown}/ ${kept ? '(kept from an earlier demo: each run adds a clinic; delete the folder to start afresh)' : '(new)'}` +
      (config.dataDirChosenByUser
        ? ' (TURNOUT_DATA_DIR)'
        : '; ./.data, where `npm start` keeps its data, is not touched'),
  );
  for (const [name, port] of [
    ['PORT', config.port],
    ['EMBEDDED_PG_PORT', config.embeddedPostgresPort],
  ] as const) {
    if (!(await isPortFree(port))) {
      throw new ConfigError(
        `port ${port} is in use (another Turnout?): stop what listens there, or run with ${name}=<a free port>`,
      );
    }
  }
  mkdirSync(config.dataDir, { recursive: true });

  const service = new DemoService(config, root);
  let radicale: Awaited<ReturnType<typeof startDemoRadicale>> | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    p.say('Stopping the service (HTTP, then the embedded PostgreSQL)...');
    radicale?.stop();
    await service.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  service.start();
  service.onExit((code) => {
    if (stopping) return;
    p.say(`The service stopped (exit ${code}). The end of ${service.logFile}:`);
    p.say(service.tail());
    process.exit(1);
  });

  const api = new DemoClient(`http://127.0.0.1:${config.port}`);
  await p.until(
    'Starting the service (embedded PostgreSQL, migrations)',
    async () => ((await api.ready()) ? true : undefined),
    () => `log in ${relative(process.cwd(), service.logFile)}`,
    150_000,
  );
  try {
    if (radicalePath) {
      radicale = await startDemoRadicale(radicalePath, config.dataDir);
      const story = await runCalDavStory(api, service.adminToken(), p, radicale);
      p.say(
        `  Open ${service.baseUrl}/console with the clinic key ${story.apiKey} (Calendar page)`,
      );
      p.say('Press Ctrl-C to stop.');
      return;
    }
    const result = await runStory(api, service.adminToken(), p);
    printReport(p, result.report);
    printExperiment(p, result.experiment);
    printBackfill(p, result.backfill);
    const staff = await playStaff(api, result.apiKey, p);
    printAudit(p, staff.audit);
    const link = await api.as(result.apiKey).post<{ url: string }>('/v1/console/sign-in-links');
    p.say('');
    p.step('Done. The service keeps running for the console:');
    p.say(
      `  Front desk (Ben Okafor): create a passkey on this device and sign in (one use, 15 minutes): ${staff.frontDeskLink}`,
    );
    p.say(`  Open the console, signed in (one use, 15 minutes): ${link.url}`);
    p.say(`  Or open ${service.baseUrl}/console and paste the clinic key: ${result.apiKey}`);
    p.say(
      `  API docs: ${service.baseUrl}/docs     Service log: ${relative(process.cwd(), service.logFile)}`,
    );
    p.say('Press Ctrl-C to stop.');
  } catch (err) {
    p.say(`The demo failed: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

const progress = new Progress();
main(progress).catch((err: unknown) => {
  progress.say(`npm run demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
