import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock/clock';
import { CredentialsVault } from './crypto/credentials-vault';
import { Secrets } from './crypto/secrets';
import { DueSignals } from './due-work/due-signals';

/** Ports every feature uses: the clock, randomness, due-work signals. Tests override them. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, Secrets, DueSignals, CredentialsVault],
  exports: [Clock, Secrets, DueSignals, CredentialsVault],
})
export class CommonModule {}
