import { MediaView } from '../../messaging/dto/media.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_STATUS_DESCRIPTION, MESSAGE_STATUSES } from '../../messaging/message-statuses';
import { ConsentView } from '../../patients/dto/consent.dto';
import { APPOINTMENT_STATUSES } from '../appointment.machine';

export class PatientView {
  @ApiProperty() name: string;
  @ApiProperty() phone: string;
  @ApiProperty({ enum: ['en', 'es'] }) language: string;
  @ApiProperty() optedOut: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) timezone?: string | null;
  @ApiPropertyOptional({
    type: ConsentView,
    nullable: true,
    description: 'the last consent event (single appointment view); null when there was none',
  })
  consent?: ConsentView | null;
}

export class ReminderView {
  @ApiProperty() offset: string;
  @ApiProperty() dueAt: string;
  @ApiProperty({
    enum: ['pending', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled'],
  })
  status: string;
  @ApiProperty({ type: String, nullable: true }) sentAt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) reason?: string | null;
}

export class HistoryView {
  @ApiProperty() at: string;
  @ApiProperty() event: string;
  @ApiProperty({ type: String, nullable: true }) from: string | null;
  @ApiProperty() to: string;
  @ApiProperty({ enum: ['patient', 'staff', 'system', 'import'] }) source: string;
}

export class MessageView {
  @ApiProperty({ enum: ['outbound', 'inbound'] }) direction: string;
  @ApiProperty({
    enum: [
      'reminder',
      'keyword_reply',
      'workflow_reply',
      'staff',
      'inbound',
      'backfill_offer',
      'survey',
      'broadcast',
      'missed_visit',
    ],
  })
  kind: string;
  @ApiProperty() body: string;
  @ApiProperty() at: string;
  @ApiProperty({ enum: MESSAGE_STATUSES, description: MESSAGE_STATUS_DESCRIPTION })
  status: string;
  @ApiProperty() segments: number;
  @ApiProperty({ type: [MediaView], description: "an inbound MMS's attachments (links)" })
  media: MediaView[];
}

export class AppointmentExperimentView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'cost' }) variant: string;
}

/** Staff only: never texted to a patient, never in a calendar write-back. */
export class RiskView {
  @ApiProperty({ example: 0.27, description: 'chance of a no-show, 0-1' }) score: number;
  @ApiProperty({ enum: ['low', 'medium', 'high'] }) band: string;
  @ApiProperty({ type: [String], example: ['2 earlier no-shows in 4 visits'] }) reasons: string[];
}

export class AppointmentView {
  @ApiProperty() id: string;
  @ApiProperty() externalId: string;
  @ApiProperty({ enum: APPOINTMENT_STATUSES }) status: string;
  @ApiProperty() startsAt: string;
  @ApiProperty() endsAt: string;
  @ApiProperty() durationMinutes: number;
  @ApiProperty({ type: PatientView }) patient: PatientView;
  @ApiProperty({ type: String, nullable: true }) practitioner: string | null;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: String, nullable: true }) type: string | null;
  @ApiProperty({ type: [ReminderView] }) reminders: ReminderView[];
  @ApiProperty({ type: [HistoryView] }) history: HistoryView[];
  @ApiPropertyOptional({ type: [MessageView] }) messages?: MessageView[];
  @ApiPropertyOptional({ description: 'the waitlist entry Turnout booked it from' })
  filledFrom?: string;
  @ApiPropertyOptional({ description: 'the missed appointment Turnout re-booked with it' })
  rebookOf?: string;
  @ApiPropertyOptional({
    type: AppointmentExperimentView,
    description: 'the experiment variant it was assigned when first planned, kept when moved',
  })
  experiment?: AppointmentExperimentView;
  @ApiPropertyOptional({ type: RiskView, description: 'when the clinic has a risk model' })
  risk?: RiskView;
}

export class UpsertedAppointmentView extends AppointmentView {
  @ApiProperty({ enum: ['created', 'updated', 'unchanged'] }) outcome: string;
}

export class AppointmentPage {
  @ApiProperty({ type: [AppointmentView] }) items: AppointmentView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
