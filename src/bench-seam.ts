/**
 * The bench seam: everything the benchmarks (bench/) use of the service's internals, and the only
 * module of src/ they may import. Most benches drive the built service over HTTP; these are for
 * the few that run the pipeline in-process (bench:dispatch and its baselines doing the very same
 * work per job) or compare a report's statement with its source (bench:report). A file moved
 * inside src/ changes an import line here, compiled with the service, never a bench.
 */
export { AppModule } from './app.module';
export { loadConfig } from './config/app-config';
export { dataSourceOptions } from './database/data-source-options';
export { runMigrations } from './database/migrations';
export { EmbeddedDatabase } from './database/embedded-database';
export { pickFreePort } from './startup/free-port';
export { normalizePhone } from './common/phone/phone';
export { DueSignals } from './common/due-work/due-signals';
export { CredentialsVault } from './common/crypto/credentials-vault';
export { ProviderRegistry } from './messaging/provider-registry';
export { FakeProvider } from './messaging/providers/fake.provider';
export type {
  OutboundSms,
  ProviderCredentials,
  SendResult,
  SmsProvider,
} from './messaging/providers/sms-provider.port';
export { Metrics } from './metrics/metrics';
export { InboxWriter } from './webhooks/inbox/inbox-writer.service';
export { NoShowReportRepository } from './reports/no-show-report.repository';
export type { GroupBy } from './reports/no-show-metrics';
// The outbound pipeline's work per reminder, for the baselines that must do the same.
export { OUTBOUND_WORK } from './outbound/message-kinds';
export { decideAtClaim } from './outbound/claim/claim-decision';
export type { ClaimedReminder } from './outbound/claim/claimed-reminder';
export { ReminderClaimsRepository } from './outbound/claim/reminder-claims.repository';
export { buildSendJob } from './outbound/claim/outbound-reminder';
export type { SendOutcome } from './outbound/record/outcomes';
export { OutcomesRepository } from './outbound/record/outcomes.repository';
