import { Module } from '@nestjs/common';
import { ClinicSettingsChanged } from '../clinics/clinic-settings-changed';
import { ExperimentsModule } from '../experiments/experiments.module';
import { RiskScoresModule } from '../risk/risk-scores.module';
import { AppointmentReminders } from './appointment-reminders.port';
import { ReminderPlanService } from './reminder-plan.service';
import { RemindersRepository } from './reminders.repository';

@Module({
  imports: [ExperimentsModule, RiskScoresModule],
  providers: [
    RemindersRepository,
    ReminderPlanService,
    { provide: AppointmentReminders, useExisting: ReminderPlanService },
    { provide: ClinicSettingsChanged, useExisting: ReminderPlanService },
  ],
  exports: [AppointmentReminders, ClinicSettingsChanged, RemindersRepository],
})
export class RemindersModule {}
