import { resolve } from 'node:path';
import { ConfigError } from './app-config';

/** `npm run demo`'s own settings: where its service keeps data, and the ports it takes. */
export interface DemoConfig {
  /** its own folder, never the `./.data` that `npm start` uses, unless TURNOUT_DATA_DIR says so */
  dataDir: string;
  dataDirChosenByUser: boolean;
  port: number;
  embeddedPostgresPort: number;
  /**
   * The environment the demo's service child starts from (PATH, proxies, locale...); the child
   * reads its own settings through its config module, and the demo overrides what it must.
   */
  childEnv: Readonly<NodeJS.ProcessEnv>;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(`${name} must be a port number from 1 to 65535, got "${raw}"`);
  }
  return n;
}

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    dataDir: resolve(env.TURNOUT_DATA_DIR || '.demo-data'),
    dataDirChosenByUser: Boolean(env.TURNOUT_DATA_DIR),
    port: port(env, 'PORT', 3000),
    // Not local mode's 54329, so a `npm start` left running elsewhere does not collide.
    embeddedPostgresPort: port(env, 'EMBEDDED_PG_PORT', 54339),
    childEnv: { ...env },
  };
}
