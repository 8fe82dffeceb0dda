import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/validation/validators';

export const STAFF_STATUSES = ['arrived', 'completed', 'no_show', 'cancelled'] as const;
export type StaffStatus = (typeof STAFF_STATUSES)[number];

export class PatchAppointmentDto {
  @ApiPropertyOptional({ enum: STAFF_STATUSES })
  @IsOmittable()
  @IsIn(STAFF_STATUSES)
  status?: StaffStatus;

  @ApiPropertyOptional({ example: '2026-12-02T10:00:00-06:00' })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  startsAt?: string;
}
