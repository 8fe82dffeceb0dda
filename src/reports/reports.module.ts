import { Module } from '@nestjs/common';
import { NoShowReportRepository } from './no-show-report.repository';
import { NoShowReportService } from './no-show-report.service';
import { ReportsController } from './reports.controller';

@Module({
  controllers: [ReportsController],
  providers: [NoShowReportService, NoShowReportRepository],
  exports: [NoShowReportRepository],
})
export class ReportsModule {}
