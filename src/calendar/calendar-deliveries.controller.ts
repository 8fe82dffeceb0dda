import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { CalendarDeliveriesService } from './calendar-deliveries.service';
import {
  CalendarDeliveryList,
  CalendarDeliveryView,
  ListCalendarDeliveriesQuery,
} from './dto/calendar-deliveries.dto';

@ApiTags('calendar write-back')
@ApiBearerAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/calendar-deliveries')
export class CalendarDeliveriesController {
  constructor(private readonly deliveries: CalendarDeliveriesService) {}

  @Get()
  @ApiOperation({
    operationId: 'listCalendarDeliveries',
    summary: 'Recent calendar write-back events, newest first, with their attempts and last answer',
  })
  @ApiResponse({ status: 200, type: CalendarDeliveryList })
  @ApiResponse({ status: 400, description: 'unknown status or bad limit' })
  @ApiResponse({ status: 401, description: 'missing or bad API key' })
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListCalendarDeliveriesQuery,
  ): Promise<CalendarDeliveryList> {
    return this.deliveries.list(clinic, q);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'retryCalendarDelivery',
    summary: 'Try a failed write-back event again (another day of attempts)',
  })
  @ApiResponse({ status: 200, type: CalendarDeliveryView })
  @ApiResponse({ status: 401, description: 'missing or bad API key' })
  @ApiResponse({ status: 404, description: 'no such event at this clinic' })
  @ApiResponse({ status: 409, description: 'the event is not failed (pending or delivered)' })
  retry(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
  ): Promise<CalendarDeliveryView> {
    return this.deliveries.retry(clinic, id);
  }
}
