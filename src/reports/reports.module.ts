import { Module } from '@nestjs/common';
import { NoShowReportRepository } from './no-show-report.repository';
import { NoShowReportService } from './no-show-report.service';
import { NoShowRollupFold } from './no-show-rollup-fold.service';
import { NoShowRollupRepository } from './no-show-rollup.repository';
import { ReportsController } from './reports.controller';

@Module({
  controllers: [ReportsController],
  providers: [
    NoShowReportService,
    NoShowReportRepository,
    NoShowRollupRepository,
    NoShowRollupFold,
  ],
  exports: [NoShowReportRepository, NoShowRollupFold],
})
export class ReportsModule {}
