import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OperatorMetrics } from '../metrics/operator.metrics';
import { meteredProvider } from './metered-provider';
import { FakeProvider } from './providers/fake.provider';
import { FlowrouteProvider } from './providers/flowroute.provider';
import { ProviderType, SmsProvider } from './providers/sms-provider.port';
import { TelnyxProvider } from './providers/telnyx.provider';
import { TwilioProvider } from './providers/twilio.provider';

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
  ) {
    this.providers = new Map<ProviderType, SmsProvider>([
      ['twilio', new TwilioProvider(config.twilioApiBaseUrl, config.providerTimeoutMs)],
      ['flowroute', new FlowrouteProvider(config.flowrouteApiBaseUrl, config.providerTimeoutMs)],
      ['telnyx', new TelnyxProvider(config.telnyxApiBaseUrl, config.providerTimeoutMs)],
      ['fake', new FakeProvider()],
    ]);
  }

  get(type: ProviderType): SmsProvider {
    const provider = this.providers.get(type);
    if (!provider) throw new Error(`no adapter for provider type ${type}`);
    let metered = this.metered.get(provider);
    if (!metered) {
      metered = meteredProvider(provider, this.metrics.sends);
      this.metered.set(provider, metered);
    }
    return metered;
  }

  /** For tests: swap the adapter of one type. */
  replace(type: ProviderType, provider: SmsProvider): void {
    this.providers.set(type, provider);
  }
}
