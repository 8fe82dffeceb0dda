import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock/clock';
import { Secrets } from './crypto/secrets';

/** Ports every feature uses: the clock and randomness. Tests override them. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, Secrets],
  exports: [Clock, Secrets],
})
export class CommonModule {}
