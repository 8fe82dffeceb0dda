import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Local mode: no ADMIN_TOKEN given, so one is generated once and kept under the data directory,
 * readable only by its owner, so restarts keep working with the same token.
 */
export function localAdminToken(dataDir: string): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved.length >= 16) return saved;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `adm_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The banner's facts for a JSON log line: where the token is, not the token itself. */
export function firstUseFields(baseUrl: string, dataDir: string): Record<string, string> {
  const file = join(dataDir, 'admin-token');
  return {
    url: baseUrl,
    docs: `${baseUrl}/docs`,
    adminTokenFile: file,
    firstRequest:
      `curl -s -X POST ${baseUrl}/v1/clinics -H "Authorization: Bearer $(cat ${file})" ` +
      `-H 'Content-Type: application/json' -d '${FIRST_CLINIC}'`,
  };
}

const FIRST_CLINIC =
  '{"name":"Lakeside Dental","timezone":"America/Chicago","senderNumber":"+13125550100","provider":{"type":"fake"}}';

export function firstUseBanner(baseUrl: string, token: string, dataDir: string): string {
  return [
    '',
    `Turnout is running at ${baseUrl} (API docs: ${baseUrl}/docs)`,
    `Admin token (kept in ${join(dataDir, 'admin-token')}): ${token}`,
    'Create a clinic that uses the fake SMS provider:',
    `  curl -s -X POST ${baseUrl}/v1/clinics \\`,
    `    -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \\`,
    `    -d '${FIRST_CLINIC}'`,
    '',
  ].join('\n');
}
