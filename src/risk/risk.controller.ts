import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { CallListQuery, CallListView, RiskModelView } from './dto/risk.dto';
import { RiskService } from './risk.service';

@ApiTags('risk')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1')
export class RiskController {
  constructor(private readonly risk: RiskService) {}

  @Get('risk/model')
  @ApiOperation({
    operationId: 'getRiskModel',
    summary:
      'The clinic’s no-show risk model: coefficients in words, training size, AUC, calibration',
    description:
      'Learned from the clinic’s own finished visits (attended or no-show), refit daily and when ' +
      'enough new outcomes arrive. AUC, Brier score and reliability by decile are measured on ' +
      'the most recent month, held out of a fit on the months before. Below 200 finished visits ' +
      'there is no model and nothing is scored.',
  })
  @ApiOkResponse({ type: RiskModelView })
  @ApiErrors(401)
  model(@CurrentClinic() clinic: ClinicEntity): Promise<RiskModelView> {
    return this.risk.model(clinic);
  }

  @Get('appointments/call-list')
  @ApiOperation({
    operationId: 'getCallList',
    summary: 'That local day’s live appointments not confirmed, highest risk first',
    description:
      'With their reminders’ state: the list the front desk calls. Appointments without a ' +
      'score (no model yet) come last, by start time.',
  })
  @ApiOkResponse({ type: CallListView })
  @ApiErrors(400, 401)
  callList(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: CallListQuery,
  ): Promise<CallListView> {
    return this.risk.day(clinic, query.date);
  }
}
