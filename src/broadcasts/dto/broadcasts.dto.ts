import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/validators';

export class CreateBroadcastDto {
  @ApiProperty({ example: '2026-12-08', description: "a local date in the clinic's zone" })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: '$property must be a date YYYY-MM-DD' })
  date: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: null, description: 'null: any' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  practitioner?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'Main St',
    description: 'null: any',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  location?: string | null;

  @ApiProperty({
    example: 'Lakeside Dental is closed today because of snow. We will call you to rebook.',
    description: 'at most 3 SMS segments',
  })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(1600)
  body: string;

  @ApiPropertyOptional({ default: false, description: 'cancel those appointments (source staff)' })
  @IsOmittable()
  @IsBoolean()
  cancelAppointments?: boolean;

  @ApiPropertyOptional({ default: false, description: 'count only; nothing is stored or sent' })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}

export class CreatedBroadcastView {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a dry run' })
  id: string | null;
  @ApiProperty({ description: 'patients who get the text (each once, opted-out ones excluded)' })
  recipients: number;
  @ApiProperty({ description: 'SMS segments of the body' }) segments: number;
  @ApiProperty({ description: 'patients skipped because they opted out' }) optedOut: number;
  @ApiProperty({ description: 'live appointments that day matching the filter' })
  appointments: number;
  @ApiProperty() dryRun: boolean;
}

export class BroadcastMessageCountsView {
  @ApiProperty() pending: number;
  @ApiProperty() queued: number;
  @ApiProperty() sent: number;
  @ApiProperty() delivered: number;
  @ApiProperty() undelivered: number;
  @ApiProperty() failed: number;
  @ApiProperty() expired: number;
  @ApiProperty() unknown: number;
}

export class BroadcastView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date', example: '2026-12-08' }) date: string;
  @ApiProperty({ type: String, nullable: true }) practitioner: string | null;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty() body: string;
  @ApiProperty() segments: number;
  @ApiProperty() cancelAppointments: boolean;
  @ApiProperty() recipients: number;
  @ApiProperty() optedOut: number;
  @ApiProperty() appointments: number;
  @ApiProperty({ description: 'patients handled so far (texts written, appointments cancelled)' })
  processed: number;
  @ApiProperty({ description: 'every patient handled' }) done: boolean;
  @ApiProperty({ type: BroadcastMessageCountsView, description: 'its texts by message status' })
  messages: BroadcastMessageCountsView;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
