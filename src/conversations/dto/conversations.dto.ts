import { MediaView } from '../../messaging/dto/media.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MESSAGE_STATUS_DESCRIPTION, MESSAGE_STATUSES } from '../../messaging/message-statuses';
import { ATTENTION_REASONS } from '../conversations.repository';

export class ListConversationsQuery {
  @ApiPropertyOptional({
    description: 'true: only conversations waiting for staff; false: only the others',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'needsAttention must be true or false' })
  needsAttention?: boolean;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class StaffReplyDto {
  @ApiProperty({ example: 'Dr. Kim can see you Thursday at 10. Reply C to take it.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1600)
  @Matches(/\S/, { message: 'body must not be blank' })
  body: string;
}

export class ConversationMessageView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['outbound', 'inbound'] }) direction: string;
  @ApiProperty({ example: 'workflow_reply', description: 'reminder, workflow_reply, staff, ...' })
  kind: string;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: MESSAGE_STATUSES, description: MESSAGE_STATUS_DESCRIPTION })
  status: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) appointmentId: string | null;
  @ApiProperty({
    type: [MediaView],
    description: "an inbound MMS's attachments as the provider hosts them (links, never fetched)",
  })
  media: MediaView[];
}

export class ConversationSummaryView {
  @ApiProperty({ example: '+13125550123' }) patientPhone: string;
  @ApiProperty() patientName: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'the appointment it is about',
  })
  appointmentId: string | null;
  @ApiProperty() needsAttention: boolean;
  // OpenAPI 3.0: a nullable enum lists null among its values (null: nothing waits for staff).
  @ApiProperty({ enum: [...ATTENTION_REASONS, null], nullable: true, type: String })
  reason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) flaggedAt: string | null;
  @ApiProperty({ format: 'date-time' }) lastMessageAt: string;
  @ApiProperty({ type: ConversationMessageView, nullable: true })
  lastMessage: ConversationMessageView | null;
  @ApiProperty({
    type: ConversationMessageView,
    nullable: true,
    description: "the patient's newest text (null: the patient never wrote)",
  })
  lastInbound: ConversationMessageView | null;
}

export const EXPORT_FORMATS = ['json', 'csv'] as const;

export class ConversationExportQuery {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: (typeof EXPORT_FORMATS)[number];
}

export class ConversationExportItemView {
  @ApiProperty({ enum: ['message', 'consent'] }) type: 'message' | 'consent';
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['inbound', 'outbound', null], nullable: true, type: String })
  direction: 'inbound' | 'outbound' | null;
  @ApiProperty({ type: String, nullable: true, description: 'message kind' }) kind: string | null;
  @ApiProperty({ type: String, nullable: true }) status: string | null;
  @ApiProperty({ type: String, nullable: true }) body: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) appointmentId: string | null;
  @ApiProperty({ enum: ['opt_out', 'opt_in', null], nullable: true, type: String })
  action: 'opt_out' | 'opt_in' | null;
  @ApiProperty({ type: String, nullable: true, description: 'consent source' })
  source: string | null;
  @ApiProperty({ type: String, nullable: true }) word: string | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
}

export class ConversationExportView {
  @ApiProperty({ example: '+13125550123' }) patientPhone: string;
  @ApiProperty({ type: [ConversationExportItemView], description: 'oldest first' })
  items: ConversationExportItemView[];
}

export class ConversationList {
  @ApiProperty({ type: [ConversationSummaryView] }) items: ConversationSummaryView[];
}

export class ConversationView {
  @ApiProperty({ example: '+13125550123' }) patientPhone: string;
  @ApiProperty() patientName: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) appointmentId: string | null;
  @ApiProperty() needsAttention: boolean;
  // OpenAPI 3.0: a nullable enum lists null among its values (null: nothing waits for staff).
  @ApiProperty({ enum: [...ATTENTION_REASONS, null], nullable: true, type: String })
  reason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) flaggedAt: string | null;
  @ApiProperty({ type: [ConversationMessageView], description: 'newest last' })
  messages: ConversationMessageView[];
}
