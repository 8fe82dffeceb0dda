import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { CalendarDeliveryHistory } from './calendar-delivery-history.service';
import {
  CalendarDeliveryList,
  CalendarDeliveryView,
  ListCalendarDeliveriesQuery,
} from './dto/calendar-deliveries.dto';
import { LeastRole } from '../auth/roles';

@ApiTags('calendar write-back')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/calendar-deliveries')
export class CalendarDeliveriesController {
  constructor(private readonly deliveries: CalendarDeliveryHistory) {}

  @LeastRole('staff')
  @Get()
  @ApiOperation({
    operationId: 'listCalendarDeliveries',
    summary: 'Recent calendar write-back events, newest first, with their attempts and last answer',
  })
  @ApiResponse({ status: 200, type: CalendarDeliveryList })
  @ApiErrors(400, 401)
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListCalendarDeliveriesQuery,
  ): Promise<CalendarDeliveryList> {
    return this.deliveries.list(clinic, q);
  }

  @LeastRole('admin')
  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'retryCalendarDelivery',
    summary: 'Try a failed write-back event again (another day of attempts)',
  })
  @ApiResponse({ status: 200, type: CalendarDeliveryView })
  // 409: the event is not failed (pending or delivered)
  @ApiErrors(401, 403, 404, 409)
  retry(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
  ): Promise<CalendarDeliveryView> {
    return this.deliveries.retry(clinic, id);
  }
}
