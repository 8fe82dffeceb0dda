import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock/clock';
import { CredentialsVault } from './crypto/credentials-vault';
import { Secrets } from './crypto/secrets';

/** Ports every feature uses: the clock and randomness. Tests override them. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, Secrets, CredentialsVault],
  exports: [Clock, Secrets, CredentialsVault],
})
export class CommonModule {}
