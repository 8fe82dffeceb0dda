import { SoftAuthenticator } from './demo-passkey';
import { DemoClient } from './demo-client';
import type { Progress } from './progress';

interface Person {
  id: string;
  name: string;
  signInUrl: string;
}

interface AuditEntry {
  at: string;
  actor: { type: string; name: string };
  action: string;
  patientPhone: string | null;
}

/**
 * Two people at the clinic: an admin and a front-desk member, each signing in with a passkey
 * (a software one here, as a phone or laptop would hold it) and reading patient data as their
 * work needs; then a new link for the front desk, for a person to open in a browser. Their
 * reads are in the audit under their names.
 */
export async function playStaff(
  api: DemoClient,
  apiKey: string,
  p: Progress,
): Promise<{ frontDeskLink: string; audit: AuditEntry[] }> {
  const key = api.as(apiKey);
  const admin = await key.post<Person>('/v1/staff', {
    name: 'Rosa Diaz',
    email: 'rosa@lakeside.example',
    role: 'admin',
  });
  const frontDesk = await key.post<Person>('/v1/staff', {
    name: 'Ben Okafor',
    email: 'ben@lakeside.example',
    role: 'staff',
  });
  const rosa = await signUp(api, admin.signInUrl);
  const ben = await signUp(api, frontDesk.signInUrl);
  p.step('Staff: Rosa Diaz (admin) and Ben Okafor (front desk) created passkeys and signed in');

  const page = await rosa.get<{ items: { id: string }[] }>('/v1/appointments?limit=3');
  if (page.items[0]) await rosa.get(`/v1/appointments/${page.items[0].id}`);
  const inbox = await ben.get<{ items: { patientPhone: string }[] }>(
    '/v1/conversations?needsAttention=true',
  );
  if (inbox.items[0]) {
    await ben.get(`/v1/conversations/${encodeURIComponent(inbox.items[0].patientPhone)}`);
  }
  // a second device for the front desk: the link a person opens in the console
  const link = await key.post<{ url: string }>(`/v1/staff/${frontDesk.id}/sign-in-links`);
  const audit = await key.get<{ items: AuditEntry[] }>('/v1/audit?limit=50');
  return {
    frontDeskLink: link.url,
    audit: audit.items.filter((e) => e.actor.type === 'person').slice(0, 8),
  };
}

/** Registers a software passkey from a person's link: a client with that person's session. */
async function signUp(api: DemoClient, signInUrl: string): Promise<DemoClient> {
  const url = new URL(signInUrl);
  const token = url.searchParams.get('token')!;
  const passkey = new SoftAuthenticator(url.origin);
  const options = await api.post<{ challenge: string; rp: { id: string }; user: { id: string } }>(
    '/v1/console/passkeys/registration-options',
    { token },
  );
  const res = await api.raw('POST', '/v1/console/passkeys/registration', {
    token,
    response: passkey.register(options),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return api.withSession(cookie);
}

export function printAudit(p: Progress, entries: AuditEntry[]): void {
  p.say('Audit, the people’s latest entries (GET /v1/audit, or the console’s Audit page):');
  for (const e of entries) {
    p.say(
      `  ${e.at.slice(11, 19)}  ${e.actor.name.padEnd(12)} ${e.action.padEnd(22)} ${e.patientPhone ?? ''}`,
    );
  }
}
