import type { Counter } from 'prom-client';
import { ProviderError, type SmsProvider } from './providers/sms-provider.port';

/**
 * The adapter with every send counted by outcome and the provider's error code, whoever calls
 * it (the dispatcher, a test's scripted provider). Everything else is the adapter's own.
 */
export function meteredProvider(
  provider: SmsProvider,
  sends: Counter<'provider' | 'outcome' | 'code'>,
): SmsProvider {
  const metered = Object.create(provider) as SmsProvider;
  metered.send = async (credentials, message) => {
    try {
      const result = await provider.send(credentials, message);
      sends.inc({ provider: provider.type, outcome: 'sent', code: 'none' });
      return result;
    } catch (error) {
      const known = error instanceof ProviderError;
      sends.inc({
        provider: provider.type,
        outcome: known ? error.kind : 'error',
        code: known
          ? (error.code ?? (error.httpStatus ? `http_${error.httpStatus}` : 'none'))
          : 'none',
      });
      throw error;
    }
  };
  return metered;
}
