import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const AUDIT_FORMATS = ['json', 'csv'] as const;

export class AuditQuery {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'first instant, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'instant after the last' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    example: 'integration',
    description: 'a staff member’s id, or `integration` (the API key), or `system`',
  })
  @IsOptional()
  @Matches(/^(integration|system|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, {
    message: 'actor must be a staff id, integration or system',
  })
  actor?: string;

  @ApiPropertyOptional({
    example: '+13125550123',
    description: '+E.164, or national in the clinic’s defaultCountry',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  patientPhone?: string;

  @ApiPropertyOptional({ enum: AUDIT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(AUDIT_FORMATS)
  format?: (typeof AUDIT_FORMATS)[number];

  @ApiPropertyOptional({ default: 1000, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

export class AuditActorView {
  @ApiProperty({ enum: ['person', 'integration', 'system'] }) type: string;
  @ApiProperty({ nullable: true, type: String, description: 'the staff member, for a person' })
  id: string | null;
  @ApiProperty({ example: 'Rosa Diaz' }) name: string;
}

export class AuditEntryView {
  @ApiProperty() id: string;
  @ApiProperty() at: string;
  @ApiProperty({ type: AuditActorView }) actor: AuditActorView;
  @ApiProperty({ example: 'getAppointment', description: 'the API operation' }) action: string;
  @ApiProperty({ nullable: true, type: String }) patientPhone: string | null;
  @ApiProperty({ nullable: true, type: String }) appointmentId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'what else the action named (a staff id, a delivery id, an externalId)',
  })
  targetId: string | null;
  @ApiProperty({ nullable: true, type: String }) clientAddress: string | null;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items: AuditEntryView[];
}
