import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ConsentService } from './consent.service';
import { ConsentHistoryView, StaffOptOutDto } from './dto/consent.dto';
import { AuditRead } from '../auth/audit-read.decorator';
import { LeastRole } from '../auth/roles';

@ApiTags('patients')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/patients')
export class PatientsController {
  constructor(private readonly consent: ConsentService) {}

  @LeastRole('staff')
  @Post(':phone/opt-out')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'recordStaffOptOut',
    summary: 'Record an opt-out the patient said to staff (source staff); no text is sent',
  })
  @ApiOkResponse({ type: ConsentHistoryView })
  @ApiErrors(400, 401, 403, 413, 415)
  optOut(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('phone') phone: string,
    @Body() dto: StaffOptOutDto,
  ): Promise<ConsentHistoryView> {
    return this.consent.staffOptOut(clinic, phone, dto.note);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get(':phone/consent')
  @ApiOperation({
    operationId: 'getPatientConsent',
    summary: "A number's consent at this clinic: current state and its events, newest first",
  })
  @ApiOkResponse({ type: ConsentHistoryView })
  @ApiErrors(400, 401, 404)
  consentOf(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('phone') phone: string,
  ): Promise<ConsentHistoryView> {
    return this.consent.consentOf(clinic, phone);
  }
}
