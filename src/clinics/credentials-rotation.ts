import { DataSource } from 'typeorm';
import { CredentialsKeyError, CredentialsVault } from '../common/crypto/credentials-vault';
import { ClinicsRepository } from './clinics.repository';

const PAGE = 500;

/**
 * Seals every clinic's secrets at rest (provider credentials, webhook secret, Flowroute path
 * secret, calendar store credentials) under the current master key: plaintext ones (stored before CREDENTIALS_KEY was set)
 * and those sealed under CREDENTIALS_KEY_PREVIOUS. Page by page, each in its own short
 * transaction; safe to run again or beside live instances. A clinic counts once, resealed when
 * any of its secrets was.
 */
export async function resealCredentials(
  ds: DataSource,
  vault: CredentialsVault,
): Promise<{ checked: number; resealed: number; unreadable: number }> {
  const clinics = new ClinicsRepository(ds);
  let after = '00000000-0000-0000-0000-000000000000';
  let checked = 0;
  let resealed = 0;
  // sealed under a key given neither as current nor previous: left as they are, and counted
  let unreadable = 0;
  for (;;) {
    const page = await ds.transaction(async (manager) => {
      const rows = await clinics.lockCredentialsPage(manager, after, PAGE);
      for (const row of rows) {
        const stored = {
          credentials: row.credentials,
          webhookSecret: row.webhook_secret,
          flowroutePathSecret: row.flowroute_path_secret,
          calendarStoreSecret: row.calendar_store_secret,
        };
        const present = Object.values(stored).filter((value) => value !== null);
        if (!present.some((value) => vault.needsReseal(value))) continue;
        let sealed: typeof stored;
        try {
          const reseal = (value: unknown) =>
            value === null ? null : vault.seal(vault.open(value) as object);
          sealed = {
            credentials: reseal(stored.credentials),
            webhookSecret: reseal(stored.webhookSecret),
            flowroutePathSecret: reseal(stored.flowroutePathSecret),
            calendarStoreSecret: reseal(stored.calendarStoreSecret),
          };
        } catch (error: unknown) {
          if (!(error instanceof CredentialsKeyError)) throw error;
          unreadable += 1;
          continue;
        }
        await clinics.replaceStoredSecrets(manager, row.id, sealed);
        resealed += 1;
      }
      return rows;
    });
    checked += page.length;
    if (page.length < PAGE) return { checked, resealed, unreadable };
    after = page[page.length - 1].id;
  }
}
