import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/validators';

export const WAITLIST_STATUSES = ['waiting', 'offered', 'booked', 'removed'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export class WaitlistPatientDto {
  @ApiPropertyOptional({ example: 'Ana Diaz' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ example: '+13125550123', description: 'national formats use the clinic country' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  phone: string;

  @ApiPropertyOptional({ enum: ['en', 'es'], default: 'en' })
  @IsOmittable()
  @IsIn(['en', 'es'])
  language?: 'en' | 'es';
}

/** Null or absent practitioner, location or type: any. */
export class CreateWaitlistEntryDto {
  @ApiProperty({ type: WaitlistPatientDto })
  @IsObject()
  @ValidateNested()
  @Type(() => WaitlistPatientDto)
  patient: WaitlistPatientDto;

  @ApiPropertyOptional({ example: 'Dr. Kim', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  practitioner?: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  location?: string | null;

  @ApiPropertyOptional({ example: 'cleaning', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  type?: string | null;

  @ApiPropertyOptional({ example: 30, nullable: true, description: 'the time needed' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(1440)
  durationMinutes?: number | null;

  @ApiPropertyOptional({ example: '2026-12-07', nullable: true, description: 'local date' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(DATE, { message: '$property must be a date (YYYY-MM-DD)' })
  notBefore?: string | null;

  @ApiPropertyOptional({ example: '2026-12-31', nullable: true, description: 'local date' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(DATE, { message: '$property must be a date (YYYY-MM-DD)' })
  notAfter?: string | null;

  @ApiPropertyOptional({
    example: 'A-1001',
    nullable: true,
    description: 'the later appointment the patient holds; taking an offer moves it',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  appointmentExternalId?: string | null;

  @ApiPropertyOptional({ example: 0, default: 0, description: 'higher is offered first' })
  @IsOmittable()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;
}

export class ListWaitlistQuery {
  @ApiPropertyOptional({ enum: WAITLIST_STATUSES })
  @IsOmittable()
  @IsIn(WAITLIST_STATUSES)
  status?: WaitlistStatus;
}

export class WaitlistOfferView {
  @ApiProperty() slotId: string;
  @ApiProperty() startsAt: string;
  @ApiProperty() practitioner: string;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty() offeredAt: string;
  @ApiProperty({ enum: ['open', 'booked', 'taken', 'replaced', 'withdrawn'] }) status: string;
}

export class WaitlistPatientView {
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty() phone: string;
  @ApiProperty({ enum: ['en', 'es'] }) language: string;
  @ApiProperty() optedOut: boolean;
}

export class WaitlistEntryView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: WAITLIST_STATUSES }) status: string;
  @ApiProperty({ type: WaitlistPatientView }) patient: WaitlistPatientView;
  @ApiProperty({ type: String, nullable: true }) practitioner: string | null;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: String, nullable: true }) type: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationMinutes: number | null;
  @ApiProperty({ type: String, nullable: true }) notBefore: string | null;
  @ApiProperty({ type: String, nullable: true }) notAfter: string | null;
  @ApiProperty({ type: String, nullable: true }) appointmentId: string | null;
  @ApiProperty({ type: String, nullable: true }) appointmentExternalId: string | null;
  @ApiProperty() priority: number;
  @ApiProperty({ enum: ['staff', 'patient'] }) source: string;
  @ApiProperty({ type: String, nullable: true }) bookedAppointmentId: string | null;
  @ApiProperty({ type: [WaitlistOfferView] }) offers: WaitlistOfferView[];
  @ApiProperty() createdAt: string;
}

export class WaitlistList {
  @ApiProperty({ type: [WaitlistEntryView] }) items: WaitlistEntryView[];
}
