import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock/clock';
import { Secrets } from './crypto/secrets';
import { DueSignals } from './due-work/due-signals';

/** Ports every feature uses: the clock, randomness, due-work signals. Tests override them. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, Secrets, DueSignals],
  exports: [Clock, Secrets, DueSignals],
})
export class CommonModule {}
