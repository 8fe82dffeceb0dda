import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../audit/audit.repository';
import { Clock } from '../common/clock/clock';
import { sha256Hex } from '../common/crypto/secrets';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleSessionService } from '../console/console-session.service';
import { SignInLinksRepository } from '../console/sign-in-links.repository';
import { PasskeysRepository } from './passkeys.repository';
import { StaffRepository } from './staff.repository';

/** How long the browser has to answer a challenge. */
const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export type Session = { token: string; maxAgeMs: number };

/**
 * @simplewebauthn/server with its ASN.1, X.509 and CBOR libraries, loaded at the first passkey
 * ceremony instead of at every start (it was about a tenth of a start's module loading).
 */
const webauthn = () => import('@simplewebauthn/server');

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server. A challenge goes to the browser and only its
 * SHA-256 is kept; the answer's challenge is looked up by hash and used up, so each counts once.
 * Registration needs a live link of the person's; signing in needs a passkey of an active person.
 */
@Injectable()
export class PasskeysService {
  private readonly logger = new Logger('Passkeys');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly passkeys: PasskeysRepository,
    private readonly staff: StaffRepository,
    private readonly links: SignInLinksRepository,
    private readonly sessions: ConsoleSessionService,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Options to create a passkey, or null when the link is not a live one of an active person. */
  async registrationOptions(linkToken: string): Promise<Record<string, unknown> | null> {
    const now = this.clock.now();
    const link = await this.links.peek(sha256Hex(linkToken), now);
    const person = link?.staffId ? await this.staff.findActive(link.staffId) : null;
    if (!person) return null;
    const { generateRegistrationOptions } = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: 'Turnout',
      rpID: this.config.webauthnRpId,
      userName: person.email,
      userDisplayName: person.name,
      userID: Buffer.from(person.id.replace(/-/g, ''), 'hex'),
      attestationType: 'none',
      excludeCredentials: (await this.passkeys.credentialIdsOf(person.id)).map((id) => ({ id })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.passkeys.insertChallenge(
      sha256Hex(options.challenge),
      'register',
      sha256Hex(linkToken),
      now,
      new Date(now.getTime() + CHALLENGE_TTL_MS),
    );
    return options as unknown as Record<string, unknown>;
  }

  /** Stores the new passkey, uses up the link and starts the person's session; null: refused. */
  async register(
    linkToken: string,
    response: Record<string, unknown>,
    clientAddress: string | null,
  ): Promise<Session | null> {
    const now = this.clock.now();
    const linkHash = sha256Hex(linkToken);
    const { verifyRegistrationResponse } = await webauthn();
    const verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: (c) =>
        this.passkeys.consumeChallenge(sha256Hex(c), 'register', linkHash, now),
      expectedOrigin: this.config.webauthnOrigins,
      expectedRPID: this.config.webauthnRpId,
      requireUserVerification: false,
    }).catch((error: Error) => this.refused(error));
    if (!verified?.verified) return null;
    const credential = verified.registrationInfo.credential;
    const person = await this.ds.transaction(async (m) => {
      const link = await this.links.consumePersonal(m, linkHash, now);
      const found = link?.staffId ? await this.staff.findActive(link.staffId) : null;
      if (!link || !found) return null;
      await this.passkeys.insert(
        m,
        found.id,
        { ...credential, transports: credential.transports ?? [] },
        now,
      );
      await this.audit.insert(m, {
        clinicId: found.clinic_id,
        at: now,
        actor: { type: 'person', id: found.id, name: found.name, role: 'staff' },
        action: 'registerPasskey',
        patientPhone: null,
        appointmentId: null,
        targetId: found.id,
        clientAddress,
      });
      return found;
    });
    return person ? this.sessions.startSession(person.clinic_id, person.id) : null;
  }

  async signInOptions(): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    const { generateAuthenticationOptions } = await webauthn();
    const options = await generateAuthenticationOptions({
      rpID: this.config.webauthnRpId,
      userVerification: 'preferred',
    });
    await this.passkeys.insertChallenge(
      sha256Hex(options.challenge),
      'sign_in',
      null,
      now,
      new Date(now.getTime() + CHALLENGE_TTL_MS),
    );
    return options as unknown as Record<string, unknown>;
  }

  /** A session for the passkey's person; null: unknown passkey, deactivated, or not verified. */
  async signIn(
    response: Record<string, unknown>,
    clientAddress: string | null,
  ): Promise<Session | null> {
    const now = this.clock.now();
    const answer = response as unknown as AuthenticationResponseJSON;
    const passkey =
      typeof answer.id === 'string' ? await this.passkeys.findActive(answer.id) : null;
    if (!passkey) return null;
    const { verifyAuthenticationResponse } = await webauthn();
    const verified = await verifyAuthenticationResponse({
      response: answer,
      expectedChallenge: (c) => this.passkeys.consumeChallenge(sha256Hex(c), 'sign_in', null, now),
      expectedOrigin: this.config.webauthnOrigins,
      expectedRPID: this.config.webauthnRpId,
      credential: {
        id: passkey.credential_id,
        publicKey: new Uint8Array(passkey.public_key),
        counter: Number(passkey.counter),
        transports: passkey.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: false,
    }).catch((error: Error) => this.refused(error));
    if (!verified?.verified) return null;
    await this.ds.transaction(async (m) => {
      await this.passkeys.recordUse(m, passkey.id, verified.authenticationInfo.newCounter, now);
      await this.audit.insert(m, {
        clinicId: passkey.clinic_id,
        at: now,
        actor: { type: 'person', id: passkey.staff_id, name: passkey.name, role: 'staff' },
        action: 'signInWithPasskey',
        patientPhone: null,
        appointmentId: null,
        targetId: null,
        clientAddress,
      });
    });
    return this.sessions.startSession(passkey.clinic_id, passkey.staff_id);
  }

  /**
   * A malformed or forged answer: refused. The library's message is not logged: it quotes the
   * answer's challenge and origin.
   */
  private refused(error: Error): null {
    this.logger.warn(`passkey answer refused (${error.name})`);
    return null;
  }
}
