import { Module } from '@nestjs/common';
import { BackfillReportRepository } from './backfill-report.repository';
import { BackfillReportService } from './backfill-report.service';
import { NoShowReportRepository } from './no-show-report.repository';
import { NoShowReportService } from './no-show-report.service';
import { NoShowRollupFold } from './no-show-rollup-fold.service';
import { NoShowRollupRepository } from './no-show-rollup.repository';
import { ReportsController } from './reports.controller';

@Module({
  controllers: [ReportsController],
  providers: [
    BackfillReportService,
    BackfillReportRepository,
    NoShowReportService,
    NoShowReportRepository,
    NoShowRollupRepository,
    NoShowRollupFold,
  ],
  exports: [NoShowReportRepository, NoShowRollupFold],
})
export class ReportsModule {}
