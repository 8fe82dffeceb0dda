import { Inject, Injectable } from '@nestjs/common';
import { CredentialsKeyError, CredentialsVault } from '../common/crypto/credentials-vault';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OperatorMetrics } from '../metrics/operator.metrics';
import { meteredProvider } from './metered-provider';
import { FakeProvider } from './providers/fake.provider';
import { FlowrouteProvider } from './providers/flowroute.provider';
import { ProviderError, ProviderType, SmsProvider } from './providers/sms-provider.port';
import { TelnyxProvider } from './providers/telnyx.provider';
import { TwilioProvider } from './providers/twilio.provider';

/** An adapter that takes credentials as stored (sealed or not) and opens them for the call. */
function opening(provider: SmsProvider, vault: CredentialsVault): SmsProvider {
  const opened = Object.create(provider) as SmsProvider;
  opened.send = async (credentials, message) => {
    let plain: typeof credentials;
    try {
      plain = vault.open(credentials);
    } catch (error: unknown) {
      // a missing master key is the operator's to fix: retried, and this send alone
      if (!(error instanceof CredentialsKeyError)) throw error;
      throw new ProviderError('transient', error.message, 'credentials_key');
    }
    return provider.send(plain, message);
  };
  opened.verifyWebhook = (credentials, request, now) =>
    provider.verifyWebhook(vault.open(credentials), request, now);
  return opened;
}

/**
 * One adapter instance per provider type (they hold keep-alive connection pools, not
 * credentials). Tests replace an entry to script a provider's behaviour.
 */
@Injectable()
export class ProviderRegistry {
  private readonly providers: Map<ProviderType, SmsProvider>;
  private readonly metered = new WeakMap<SmsProvider, SmsProvider>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: OperatorMetrics,
    private readonly vault: CredentialsVault,
  ) {
    this.providers = new Map<ProviderType, SmsProvider>([
      ['twilio', new TwilioProvider(config.twilioApiBaseUrl, config.providerTimeoutMs)],
      ['flowroute', new FlowrouteProvider(config.flowrouteApiBaseUrl, config.providerTimeoutMs)],
      ['telnyx', new TelnyxProvider(config.telnyxApiBaseUrl, config.providerTimeoutMs)],
      ['fake', new FakeProvider()],
    ]);
  }

  /**
   * The adapter of a type, taking credentials as stored: they are opened here, at the moment
   * of use, so no caller holds them decrypted for longer than a call.
   */
  get(type: ProviderType): SmsProvider {
    const provider = this.providers.get(type);
    if (!provider) throw new Error(`no adapter for provider type ${type}`);
    let wrapped = this.metered.get(provider);
    if (!wrapped) {
      wrapped = meteredProvider(opening(provider, this.vault), this.metrics.sends);
      this.metered.set(provider, wrapped);
    }
    return wrapped;
  }

  /** For tests: swap the adapter of one type. */
  replace(type: ProviderType, provider: SmsProvider): void {
    this.providers.set(type, provider);
  }
}
