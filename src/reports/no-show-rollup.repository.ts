import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The rollup's upkeep: folding the changes appointments append (migration NoShowRollupDeltas). */
@Injectable()
export class NoShowRollupRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Moves up to `batch` changes into `no_show_daily`, in one statement: those taken are deleted
   * and summed in together, and rows another instance is folding are skipped. Returns how many.
   */
  async fold(batch: number): Promise<number> {
    const rows: { n: number }[] = await this.ds.query(`SELECT no_show_daily_fold($1) AS n`, [
      batch,
    ]);
    return rows[0].n;
  }
}
