/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { pickFreePort } from '../../src/startup/free-port';
import { localDate } from '../../src/common/time/starts-at';
import { createClinic, TestClinic, uniquePhone } from '../support/factories';
import { upload } from '../support/dispatch-helpers';
import { findTool } from '../support/external-tools';
import { startTestApp, TestApp } from '../support/test-app';
import { processInbox } from '../support/webhooks';

jest.setTimeout(120_000);

/** CHROMIUM or a system Chromium (Debian's in .ci/run); jest.config.js runs this file only then. */
const CHROMIUM = findTool('Chromium')!;
const ZONE = 'America/Chicago';

/**
 * People and passkeys in a real Chromium with the DevTools protocol's virtual authenticator: an
 * admin opens their invite link, creates a passkey and gets the admin pages; they add a
 * front-desk member, who opens their own link, creates a passkey, signs out, signs back in with
 * it and sees the staff pages only; what the front desk reads and answers is in the audit under
 * their name. axe-core finds no serious or critical violation on the new pages. The service
 * answers on http://localhost (a WebAuthn relying party must be a domain, not an IP address).
 */
describe('staff sign-in with passkeys in Chromium', () => {
  let t: TestApp;
  let clinic: TestClinic;
  let base: string;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  const problems: string[] = [];
  const patient = { name: 'Dana Whitfield', phone: uniquePhone() };

  beforeAll(async () => {
    const port = await pickFreePort();
    base = `http://localhost:${port}`;
    t = await startTestApp({ now: new Date().toISOString(), env: { PUBLIC_BASE_URL: base } });
    const server = t.app.getHttpServer() as import('node:http').Server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    clinic = await createClinic(t, { name: 'Lakeside Dental', timezone: ZONE, quietHours: null });
    const tomorrow = localDate(new Date(Date.now() + 86_400_000), ZONE);
    await upload(t, clinic, { patient, startsAt: `${tomorrow}T09:30:00`, practitioner: 'Dr. Kim' });
    await t.http
      .post('/v1/simulator/inbound')
      .set(clinic.auth)
      .send({ from: patient.phone, body: 'Can I come earlier?' })
      .expect(202);
    await processInbox(t);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() === 404) problems.push(`404 ${r.url()}`);
    });
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh platform authenticator (a new device): resident keys, user verification. */
  async function newDevice(): Promise<string> {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return authenticatorId;
  }

  async function expectAccessible(name: string): Promise<void> {
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run: () => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
          };
        }
      ).axe;
      return axe.run();
    });
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${name}: ${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
    expect(bad).toEqual([]);
  }

  async function signOut(): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  }

  const navLinks = async () =>
    (await page.locator('#nav a:visible').allInnerTexts()).map((s) => s.trim());

  let frontDeskLink = '';

  it('an admin creates a passkey from their invite link and gets the admin pages', async () => {
    const admin = await t.http
      .post('/v1/staff')
      .set(clinic.auth)
      .send({ name: 'Rosa Diaz', email: 'rosa@lakeside.example', role: 'admin' })
      .expect(201);
    const device = await newDevice();
    await page.goto(admin.body.signInUrl);
    await page.getByRole('button', { name: 'Create a passkey and sign in' }).waitFor();
    await expectAccessible('passkey page');
    await page.getByRole('button', { name: 'Create a passkey and sign in' }).click();
    await page.getByText('Signed in: Rosa Diaz (admin)').waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: device });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].isResidentCredential).toBe(true);
    expect(await navLinks()).toEqual([
      'Appointments',
      'Call list',
      'No-show report',
      'Inbox',
      'Calendar deliveries',
      'Experiments',
      'Waitlist',
      'Surveys',
      'Broadcasts',
      'Staff',
      'Audit',
    ]);

    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();
    const form = page.locator('#staff-form');
    await form.getByLabel('Name').fill('Ben Okafor');
    await form.getByLabel('Email').fill('ben@lakeside.example');
    await form.getByRole('button', { name: 'Add person' }).click();
    frontDeskLink = (await page.locator('#staff-link code').innerText()).trim();
    expect(frontDeskLink).toMatch(/\/console\/sign-in\?token=sl_/);
    await page.getByRole('cell', { name: 'Ben Okafor', exact: true }).waitFor();
    await expectAccessible('staff page');
    await signOut();
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: device });
  });

  it('the front desk registers from the link, signs out, signs in with the passkey, and sees staff pages only', async () => {
    await newDevice();
    await page.goto(frontDeskLink);
    await page.getByRole('button', { name: 'Create a passkey and sign in' }).click();
    await page.getByText('Signed in: Ben Okafor (staff)').waitFor();
    await signOut();
    // the link was used: opening it again says so
    await page.goto(frontDeskLink);
    await page.getByText(/already used or has expired/).waitFor();
    expect(page.url()).toBe(`${base}/console#link-expired`);

    await page.getByRole('button', { name: 'Use my passkey' }).click();
    await page.getByText('Signed in: Ben Okafor (staff)').waitFor();
    expect(await navLinks()).toEqual([
      'Appointments',
      'Call list',
      'No-show report',
      'Inbox',
      'Calendar deliveries',
      'Waitlist',
      'Surveys',
    ]);
    // an admin page asked for by address shows the appointments instead
    await page.goto(`${base}/console#audit`);
    await page.getByRole('heading', { name: 'Today and tomorrow' }).waitFor();
    expect(await page.locator('#audit').isHidden()).toBe(true);

    // a read and a change: the appointment's texts, then an answer from the inbox
    await page
      .getByRole('button', { name: /Dana Whitfield/ })
      .first()
      .click();
    await page.getByText('Can I come earlier?').first().waitFor();
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page
      .locator('#inbox-list')
      .getByRole('button', { name: /Dana Whitfield/ })
      .click();
    await page.getByLabel('Reply to Dana Whitfield').fill('Yes, 9:00 works.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();
    await signOut();
  });

  it('shows the front desk’s reads and changes in the audit under their name', async () => {
    // the clinic key's console session is the integration actor, with an admin's pages
    await page.getByLabel('Clinic API key').fill(clinic.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Signed in: Clinic API key (admin)').waitFor();
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit' }).waitFor();
    const form = page.locator('#audit-form');
    await form.getByLabel('Who').selectOption({ label: 'Ben Okafor' });
    await form.getByRole('button', { name: 'Show' }).click();
    await page.locator('#audit-list tbody tr').first().waitFor();
    const rows = await page.locator('#audit-list tbody tr').allInnerTexts();
    const actions = rows.map((r) => r.split('\t').slice(1, 4).join(' | '));
    expect(actions).toEqual(
      expect.arrayContaining([
        `Ben Okafor | sendStaffReply | ${patient.phone}`,
        `Ben Okafor | getConversation | ${patient.phone}`,
        `Ben Okafor | getAppointment | ${patient.phone}`,
        'Ben Okafor | signInWithPasskey | ',
        'Ben Okafor | registerPasskey | ',
      ]),
    );
    expect(rows.every((r) => r.includes('Ben Okafor'))).toBe(true);
    await expectAccessible('audit page');
    expect(problems).toEqual([]);
  });
});
