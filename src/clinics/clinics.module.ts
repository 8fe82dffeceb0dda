import { Module } from '@nestjs/common';
import { RemindersModule } from '../reminders/reminders.module';
import { ClinicVersionsCache } from './clinic-versions.cache';
import { ClinicsController } from './clinics.controller';
import { ClinicsRepository } from './clinics.repository';
import { ClinicsService } from './clinics.service';

@Module({
  imports: [RemindersModule],
  controllers: [ClinicsController],
  providers: [ClinicsService, ClinicsRepository, ClinicVersionsCache],
  exports: [ClinicsRepository, ClinicVersionsCache],
})
export class ClinicsModule {}
