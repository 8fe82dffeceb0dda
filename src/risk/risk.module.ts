import { Module } from '@nestjs/common';
import { ClinicsModule } from '../clinics/clinics.module';
import { RemindersModule } from '../reminders/reminders.module';
import { CallListRepository } from './call-list.repository';
import { RiskController } from './risk.controller';
import { RiskModelsRepository } from './risk-models.repository';
import { RiskRefit } from './risk-refit.service';
import { RiskScoresModule } from './risk-scores.module';
import { RiskService } from './risk.service';

/**
 * No-show risk: the model per clinic, its refit and scores (due work), and the staff reads.
 * Listed before AppointmentsModule in AppModule so that `GET /v1/appointments/call-list` is
 * routed before `GET /v1/appointments/:id`.
 */
@Module({
  imports: [ClinicsModule, RemindersModule, RiskScoresModule],
  controllers: [RiskController],
  providers: [RiskService, RiskModelsRepository, CallListRepository, RiskRefit],
  exports: [RiskRefit],
})
export class RiskModule {}
