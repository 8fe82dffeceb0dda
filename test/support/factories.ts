import { randomInt, randomUUID } from 'node:crypto';
import type { TestApp } from './test-app';
import { ADMIN_TOKEN } from './test-app';

/** A valid US number no other test will pick (Chicago area code, random line). */
export function uniquePhone(): string {
  return `+1312${randomInt(2, 10)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

export function uniqueId(prefix = 'A'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestClinic {
  id: string;
  apiKey: string;
  webhookSecret: string;
  body: Record<string, unknown>;
  auth: { Authorization: string };
}

export async function createClinic(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<TestClinic> {
  const res = await t.http
    .post('/v1/clinics')
    .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
    .send({
      name: 'Lakeside Dental',
      timezone: 'America/Chicago',
      senderNumber: uniquePhone(),
      provider: { type: 'fake' },
      ...overrides,
    });
  if (res.status !== 201)
    throw new Error(`createClinic: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.id,
    apiKey: res.body.apiKey,
    webhookSecret: res.body.webhookSecret,
    body: res.body,
    auth: { Authorization: `Bearer ${res.body.apiKey}` },
  };
}

export function appointmentInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalId: uniqueId(),
    patient: { name: 'Ana Diaz', phone: uniquePhone(), language: 'en' },
    startsAt: '2026-12-01T09:30:00-06:00',
    durationMinutes: 30,
    practitioner: `Dr. ${uniqueId('P')}`,
    location: 'Main St',
    type: 'cleaning',
    ...overrides,
  };
}
