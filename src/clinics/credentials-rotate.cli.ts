import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { CredentialsVault } from '../common/crypto/credentials-vault';
import { ConfigError, loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { resealCredentials } from './credentials-rotation';

/**
 * `npm run credentials:rotate`: seal every clinic's provider credentials under CREDENTIALS_KEY,
 * reading those sealed under CREDENTIALS_KEY_PREVIOUS. See docs/operations.md.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL must be set');
  if (!config.credentialsKey) throw new ConfigError('CREDENTIALS_KEY must be set');
  const ds = new DataSource(dataSourceOptions(config.databaseUrl));
  await ds.initialize();
  try {
    const { checked, resealed } = await resealCredentials(ds, new CredentialsVault(config));
    console.log(
      `credentials: ${checked} clinics checked, ${resealed} sealed under the current key (provider credentials and webhook secret)`,
    );
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
