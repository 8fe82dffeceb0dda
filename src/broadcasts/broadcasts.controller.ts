import { Body, Controller, Get, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { BroadcastsService } from './broadcasts.service';
import { BroadcastView, CreateBroadcastDto, CreatedBroadcastView } from './dto/broadcasts.dto';

const CREATE = `Texts every patient with a live appointment (scheduled, confirmed,
reschedule_requested) starting on that local date in the clinic's zone, matching practitioner
and location when given, once each however many visits they have, ahead of routine texts.
Opted-out patients are counted (optedOut) and not texted. With cancelAppointments those
appointments are cancelled (source staff, written back to the calendar) in the transaction that
writes each patient's text. The texts are written in batches after the answer; follow them with
GET /v1/broadcasts/{id}. dryRun: counts only, nothing stored or sent (id null). A body over 3
SMS segments is a 400. With an Idempotency-Key header the same request again returns the same
broadcast and sends nothing more; the same key with a different request is a 409.`;

@ApiTags('broadcasts')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/broadcasts')
export class BroadcastsController {
  constructor(private readonly broadcasts: BroadcastsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createBroadcast',
    summary: "Text a day's patients (closures), optionally cancelling their visits",
    description: CREATE,
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a client key (at most 200 characters): the same request twice sends once',
  })
  @ApiResponse({ status: 201, type: CreatedBroadcastView })
  @ApiErrors(400, 401, 409)
  create(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: CreateBroadcastDto,
    @Headers('idempotency-key') key?: string,
  ): Promise<CreatedBroadcastView> {
    return this.broadcasts.create(clinic, dto, key);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getBroadcast',
    summary: 'A broadcast with its progress and its texts counted by message status',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: BroadcastView })
  @ApiErrors(401, 404)
  get(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string): Promise<BroadcastView> {
    return this.broadcasts.get(clinic, id);
  }
}
