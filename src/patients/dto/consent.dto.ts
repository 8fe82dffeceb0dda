import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class StaffOptOutDto {
  @ApiPropertyOptional({ description: 'what the patient said, as staff noted it', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

/** A patient's current consent, as its last event says. */
export class ConsentView {
  @ApiProperty() optedOut: boolean;
  @ApiProperty({ format: 'date-time', description: 'when the last change happened' })
  since: string;
  @ApiProperty({ enum: ['keyword', 'phrase', 'provider', 'staff', 'clinic'] }) source: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'the keyword or phrase, the provider error, or the method of a documented opt-in (clinic); null for staff',
  })
  word: string | null;
}

export class ConsentEventView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['opt_out', 'opt_in'] }) action: string;
  @ApiProperty({ enum: ['keyword', 'phrase', 'provider', 'staff', 'clinic'] }) source: string;
  @ApiProperty({ type: String, nullable: true }) word: string | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty({ description: "the clinic's number the patient was talking to" })
  senderNumber: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'the inbound message it came from',
  })
  inboundMessageId: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class ConsentHistoryView {
  @ApiProperty() phone: string;
  @ApiProperty({ type: ConsentView, nullable: true }) consent: ConsentView | null;
  @ApiProperty({ type: [ConsentEventView], description: 'newest first' })
  events: ConsentEventView[];
}
