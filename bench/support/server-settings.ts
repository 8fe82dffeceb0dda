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
