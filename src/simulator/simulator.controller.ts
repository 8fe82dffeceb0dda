import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import {
  OutboxQuery,
  OutboxView,
  SimulatedInboundView,
  SimulateInboundDto,
} from './dto/simulator.dto';
import { SimulatorService } from './simulator.service';
import { LeastRole } from '../auth/roles';

@ApiTags('simulator')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/simulator')
export class SimulatorController {
  constructor(private readonly simulator: SimulatorService) {}

  /** 202: like a provider's webhook, the reply is stored now and processed asynchronously. */
  @LeastRole('admin')
  @Post('inbound')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'simulateInbound',
    summary: 'Simulate a patient’s SMS reply to a clinic on the fake provider',
  })
  @ApiAcceptedResponse({ type: SimulatedInboundView })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
  inbound(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: SimulateInboundDto,
  ): Promise<SimulatedInboundView> {
    return this.simulator.inbound(clinic, dto);
  }

  @LeastRole('admin')
  @Get('outbox')
  @ApiOperation({
    operationId: 'listSimulatorOutbox',
    summary: 'The texts the fake provider “sent” for this clinic, newest first',
  })
  @ApiOkResponse({ type: OutboxView })
  @ApiErrors(400, 401, 409)
  outbox(@CurrentClinic() clinic: ClinicEntity, @Query() q: OutboxQuery): Promise<OutboxView> {
    return this.simulator.outbox(clinic, q.limit);
  }
}
