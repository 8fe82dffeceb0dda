import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ConsentService } from './consent.service';
import { ConsentHistoryView, StaffOptOutDto } from './dto/consent.dto';

@ApiTags('patients')
@ApiBearerAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/patients')
export class PatientsController {
  constructor(private readonly consent: ConsentService) {}

  @Post(':phone/opt-out')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'recordStaffOptOut',
    summary: 'Record an opt-out the patient said to staff (source staff); no text is sent',
  })
  @ApiResponse({ status: 200, type: ConsentHistoryView })
  @ApiResponse({ status: 400, description: 'not a valid phone number, or a bad note' })
  @ApiResponse({ status: 401, description: 'missing or unknown API key' })
  optOut(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('phone') phone: string,
    @Body() dto: StaffOptOutDto,
  ): Promise<ConsentHistoryView> {
    return this.consent.staffOptOut(clinic, phone, dto.note);
  }

  @Get(':phone/consent')
  @ApiOperation({
    operationId: 'getPatientConsent',
    summary: "A number's consent at this clinic: current state and its events, newest first",
  })
  @ApiResponse({ status: 200, type: ConsentHistoryView })
  @ApiResponse({ status: 400, description: 'not a valid phone number' })
  @ApiResponse({ status: 401, description: 'missing or unknown API key' })
  @ApiResponse({ status: 404, description: 'no patient of this clinic has this number' })
  consentOf(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('phone') phone: string,
  ): Promise<ConsentHistoryView> {
    return this.consent.consentOf(clinic, phone);
  }
}
