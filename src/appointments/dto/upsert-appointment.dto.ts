import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ValidatedPerItem } from '../../common/validation/storable-input.pipe';
import { IsTimeZone, IsOmittable } from '../../common/validation/validators';

/** Documented opt-in, kept as an opt-in event (source `clinic`) in the consent events. */
export class PatientConsentDto {
  @ApiProperty({ enum: ['written', 'verbal', 'intake_form', 'portal'] })
  @IsIn(['written', 'verbal', 'intake_form', 'portal'])
  method: 'written' | 'verbal' | 'intake_form' | 'portal';

  @ApiProperty({ example: '2026-11-02T10:00:00Z', format: 'date-time' })
  @IsISO8601({ strict: true })
  @MaxLength(40)
  at: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class PatientInputDto {
  @ApiPropertyOptional({ example: 'Ana Diaz' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({
    example: '(312) 555-0123',
    description: 'national formats use the clinic country',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  phone: string;

  @ApiPropertyOptional({ enum: ['en', 'es'], default: 'en' })
  @IsOmittable()
  @IsIn(['en', 'es'])
  language?: 'en' | 'es';

  @ApiPropertyOptional({ example: 'America/Chicago' })
  @IsOmittable()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    type: PatientConsentDto,
    description: 'documented opt-in; never opts back in a patient who opted out by text',
  })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => PatientConsentDto)
  consent?: PatientConsentDto;
}

export class UpsertAppointmentDto {
  @ApiProperty({ example: 'A-1001' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  externalId: string;

  @ApiProperty({ type: PatientInputDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PatientInputDto)
  patient: PatientInputDto;

  @ApiProperty({
    example: '2026-12-01T09:30:00-06:00',
    description: 'with an offset: an instant; without: wall time in the clinic time zone',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  startsAt: string;

  @ApiPropertyOptional({ example: 30, default: 30 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1440)
  durationMinutes?: number;

  @ApiPropertyOptional({ example: 'Dr. Kim' })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  practitioner?: string;

  @ApiPropertyOptional({ example: 'Main St' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  location?: string;

  @ApiPropertyOptional({ example: 'cleaning' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  type?: string;

  @ApiPropertyOptional({ enum: ['scheduled', 'cancelled'], default: 'scheduled' })
  @IsOmittable()
  @IsIn(['scheduled', 'cancelled'])
  status?: 'scheduled' | 'cancelled';
}

export class BatchAppointmentsDto {
  @ApiProperty({ type: [UpsertAppointmentDto], maxItems: 5000 })
  // Items are validated one by one in the service, so one bad item never blocks the others.
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(5000)
  @ValidatedPerItem()
  appointments: unknown[];
}

export class BatchItemResult {
  @ApiProperty() index: number;
  @ApiPropertyOptional({ type: String, nullable: true }) externalId: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) id: string | null;
  @ApiProperty({ enum: ['created', 'updated', 'unchanged', 'error'] }) outcome: string;
  @ApiPropertyOptional({ type: [String] }) errors?: string[];
}

export class BatchResultView {
  @ApiProperty({ type: [BatchItemResult] }) results: BatchItemResult[];
}
