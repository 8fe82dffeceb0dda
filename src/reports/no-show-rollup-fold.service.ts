import { Injectable } from '@nestjs/common';
import { DueWork } from '../common/due-work/due-work';
import { NoShowRollupRepository } from './no-show-rollup.repository';

const BATCH_SIZE = 5_000;

/**
 * Due work for the due-work engine: the changes to the no-show counts that appointments append
 * are folded into the daily rollup. Nothing waits on it: the report reads the rollup and what is
 * not folded yet, so it is exact at any time; folding keeps what it reads short. Hence no
 * producer signals it (a signal per appointment change would cost more than the fold saves):
 * it runs at the loop's poll. Safe with any number of instances (SKIP LOCKED in the fold).
 */
@Injectable()
export class NoShowRollupFold {
  constructor(private readonly rollup: NoShowRollupRepository) {}

  /** The due-work engine's pass: folds everything there is, then waits for the next poll. */
  @DueWork({ name: 'no-show-rollup', poll: 'dispatchIntervalMs' })
  async pass(): Promise<Date | null> {
    while ((await this.rollup.fold(BATCH_SIZE)) === BATCH_SIZE);
    return null;
  }
}
