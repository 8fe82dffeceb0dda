import { LeastRole } from '../../auth/roles';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../../auth/clinic-key.guard';
import { CurrentClinic } from '../../auth/current-clinic.decorator';
import type { ClinicEntity } from '../../clinics/clinic.entity';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../../common/openapi/auth';
import { CalendarStoreState } from './calendar-store-state.service';
import { CalendarStoreStateView } from './dto/calendar-store-state.dto';

@ApiTags('calendar write-back')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/calendar-store')
export class CalendarStoreController {
  constructor(private readonly state: CalendarStoreState) {}

  @LeastRole('staff')
  @Get()
  @ApiOperation({
    operationId: 'getCalendarStore',
    summary: "The calendar store's state: last read and write, counts, last error, unmapped events",
  })
  @ApiResponse({ status: 200, type: CalendarStoreStateView })
  @ApiErrors(401)
  get(@CurrentClinic() clinic: ClinicEntity): Promise<CalendarStoreStateView> {
    return this.state.view(clinic);
  }
}
