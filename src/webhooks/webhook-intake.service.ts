import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClinicEntity } from '../clinics/clinic.entity';
import { ClinicsRepository } from '../clinics/clinics.repository';
import { Clock } from '../common/clock/clock';
import { secretsMatch, sha256Hex } from '../common/crypto/secrets';
import {
  ConflictError,
  InvalidInputError,
  InvalidSignatureError,
  MissingSignatureError,
  NotFoundError,
} from '../common/errors/domain-errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ProviderRegistry } from '../messaging/provider-registry';
import {
  MalformedWebhookError,
  ParsedWebhook,
  ProviderType,
  WebhookKind,
  WebhookRequest,
} from '../messaging/providers/sms-provider.port';
import type { InboxEvent } from './inbox/inbox-event';
import { InboxWriter } from './inbox/inbox-writer.service';
import { SenderClinicCache } from './sender-clinic.cache';
import type { RawWebhook } from './raw-webhook.decorator';
import { webhookFieldProblems } from './webhook-fields';
import { WebhookMetrics } from './webhooks.metrics';

export type IntakeOutcome = 'stored' | 'duplicate' | 'ignored';

/** Flowroute path secrets are `frs_` + 32 base64url characters; anything far longer is noise. */
const MAX_PATH_SECRET_LENGTH = 200;
/** A clinic changing under one webhook this many times in a row (practically never) is a 409. */
const MAX_STALE_ATTEMPTS = 3;

/**
 * Receiving a provider webhook: parse, find the owning clinic, authenticate with its
 * credentials, store once in the inbox. Nothing else happens inside the request, so the
 * provider gets its answer in milliseconds and a crash after it loses nothing.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly providers: ProviderRegistry,
    private readonly clinics: ClinicsRepository,
    private readonly senders: SenderClinicCache,
    private readonly inbox: InboxWriter,
    private readonly clock: Clock,
    private readonly metrics: WebhookMetrics,
  ) {}

  /**
   * Twilio and Telnyx sign each request with the credentials of the clinic owning our number:
   * `To` of an inbound message, `From` of a status callback.
   */
  async receiveSigned(
    type: 'twilio' | 'telnyx',
    kind: WebhookKind,
    raw: RawWebhook,
  ): Promise<IntakeOutcome> {
    const request = this.webhookRequest(raw);
    const parsed = this.parse(type, kind, request);
    if (parsed.kind === 'ignored') return this.ignored(type, parsed.reason);
    const number = parsed.kind === 'inbound' ? parsed.message.to : parsed.update.from;
    if (!number) throw new InvalidInputError([`${type} status event names no sender number`]);
    let found = await this.senders.find(type, number);
    for (let attempt = 1; ; attempt++) {
      if (!found) throw this.unknownNumber(type, request);
      const { clinic, cached } = found;
      const check = this.providers
        .get(type)
        .verifyWebhook(clinic.providerCredentials, request, this.clock.now());
      if (check === 'invalid' && cached) {
        // Perhaps the clinic's key changed since it was cached: judge with a fresh read.
        found = await this.senders.refresh(type, number);
        continue;
      }
      if (check === 'missing') throw new MissingSignatureError([`${type} signature is missing`]);
      if (check !== 'ok') throw new InvalidSignatureError([`${type} signature does not match`]);
      const outcome = await this.store(type, clinic.id, clinic.version, parsed);
      if (outcome !== 'stale') return outcome;
      // The clinic changed after the credentials were read: authenticate again, freshly.
      if (attempt >= MAX_STALE_ATTEMPTS) {
        throw new ConflictError(['the clinic changed while the webhook was received; retry']);
      }
      found = await this.senders.refresh(type, number);
    }
  }

  /**
   * Flowroute signs nothing: the clinic's unguessable path secret authenticates the request,
   * checked before the body is even read. A wrong secret is a plain 404, revealing nothing.
   */
  async receiveFlowroute(
    secret: string,
    kind: WebhookKind,
    raw: RawWebhook,
  ): Promise<IntakeOutcome> {
    const clinic = await this.flowrouteClinic(secret);
    const parsed = this.parse('flowroute', kind, this.webhookRequest(raw));
    if (parsed.kind === 'ignored') return this.ignored('flowroute', parsed.reason);
    // One Flowroute account may carry other numbers; only this clinic's own is its business.
    if (parsed.kind === 'inbound' && parsed.message.to !== clinic.senderNumber) {
      this.logger.debug('flowroute webhook for a number that is not the clinic sender');
      throw new NotFoundError('clinic for this flowroute number');
    }
    const outcome = await this.store('flowroute', clinic.id, null, parsed);
    // Without a version to check, only a clinic deleted meanwhile refuses the event.
    if (outcome === 'stale') throw new NotFoundError('webhook');
    return outcome;
  }

  private async flowrouteClinic(secret: string): Promise<ClinicEntity> {
    const hash = secret.length <= MAX_PATH_SECRET_LENGTH ? sha256Hex(secret) : null;
    const clinic = hash ? await this.clinics.findByFlowrouteSecretHash(hash) : null;
    // The hash finds the row; the constant-time comparison is what authenticates. Only the
    // hash is needed: the secret itself is sealed, for the dlr_callback URL of each send.
    const genuine =
      clinic?.providerType === 'flowroute' &&
      secretsMatch(clinic.flowroutePathSecretHash ?? '', hash ?? '');
    if (!clinic || !genuine) throw new NotFoundError('webhook');
    return clinic;
  }

  private webhookRequest(raw: RawWebhook): WebhookRequest {
    return {
      url: `${this.config.publicBaseUrl}${raw.path}`,
      headers: raw.headers,
      rawBody: raw.rawBody,
    };
  }

  /** A provider's payload is outside input like any other: checked whole before anything is stored. */
  private parse(type: ProviderType, kind: WebhookKind, request: WebhookRequest): ParsedWebhook {
    let parsed: ParsedWebhook;
    try {
      parsed = this.providers.get(type).parseWebhook(kind, request);
    } catch (error: unknown) {
      if (error instanceof MalformedWebhookError) throw new InvalidInputError([error.message]);
      throw error;
    }
    const problems = webhookFieldProblems(parsed);
    if (problems.length > 0) throw new InvalidInputError(problems.map((p) => `${type} ${p}`));
    return parsed;
  }

  private async store(
    type: ProviderType,
    clinicId: string,
    clinicVersion: number | null,
    event: InboxEvent,
  ): Promise<IntakeOutcome | 'stale'> {
    const outcome = await this.inbox.write({
      providerType: type,
      clinicId,
      clinicVersion,
      event,
      receivedAt: this.clock.now(),
    });
    if (outcome !== 'stale') {
      this.metrics.received.inc({ provider: type, kind: event.kind, outcome });
    }
    return outcome;
  }

  private ignored(type: ProviderType, reason: string): IntakeOutcome {
    this.metrics.received.inc({ provider: type, kind: 'other', outcome: 'ignored' });
    this.logger.debug(`${type} webhook acknowledged and ignored: ${reason}`);
    return 'ignored';
  }

  /**
   * No clinic to authenticate against, so nothing can be stored. The answer is exactly that of a
   * known number with a bad signature (401 missing, 403 otherwise): a different one would let
   * anyone probe which numbers are Turnout's customers. Debug only here, and without the
   * number, so a flood cannot fill the logs.
   */
  private unknownNumber(type: 'twilio' | 'telnyx', request: WebhookRequest): Error {
    this.logger.debug(`${type} webhook for a number no ${type} clinic uses`);
    // No credentials can verify: this only tells a missing signature from a present one.
    const check = this.providers.get(type).verifyWebhook({}, request, this.clock.now());
    return check === 'missing'
      ? new MissingSignatureError([`${type} signature is missing`])
      : new InvalidSignatureError([`${type} signature does not match`]);
  }
}
