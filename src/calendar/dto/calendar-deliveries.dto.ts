import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** conflict: a move not written because the calendar had moved the appointment meanwhile */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'conflict'] as const;

export class ListCalendarDeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class CalendarDeliveryView {
  @ApiProperty({ example: 'evt_0f3c...' }) id: string;
  @ApiProperty() appointmentId: string;
  @ApiProperty({
    enum: [
      'appointment.confirmed',
      'appointment.cancelled',
      'appointment.rescheduled',
      'appointment.no_show',
      'appointment.reschedule_requested',
      'appointment.booked',
    ],
  })
  type: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ description: 'calls made so far' }) attempts: number;
  @ApiProperty({ type: String, nullable: true, description: 'when pending: the next try' })
  nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true }) lastAttemptAt: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last answer' })
  lastStatusCode: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the start of the last non-2xx answer, or why there was none',
  })
  lastError: string | null;
  @ApiProperty({ type: String, nullable: true }) deliveredAt: string | null;
}

export class CalendarDeliveryList {
  @ApiProperty({ type: [CalendarDeliveryView] }) items: CalendarDeliveryView[];
}
