import { Client } from 'pg';

/** Settings that shape this workload, as the server reports them: printed with the results. */
const REPORTED = ['shared_buffers', 'max_wal_size', 'synchronous_commit'];

export async function describeSettings(client: Client): Promise<string> {
  const { rows } = await client.query(
    `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name`,
    [REPORTED],
  );
  return (rows as { name: string; value: string }[]).map((r) => `${r.name}=${r.value}`).join(', ');
}

/**
 * Sets (a value) or resets (null) server settings with ALTER SYSTEM, then restarts the server so
 * that all of them, shared_buffers too, take effect.
 */
export async function alterSystem(
  url: string,
  restart: () => Promise<void>,
  settings: Record<string, string | null>,
): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  for (const [name, value] of Object.entries(settings)) {
    await client.query(
      value === null ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = '${value}'`,
    );
  }
  await client.end();
  await restart();
}
