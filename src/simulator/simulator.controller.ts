import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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

@ApiTags('simulator')
@ApiBearerAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/simulator')
export class SimulatorController {
  constructor(private readonly simulator: SimulatorService) {}

  /** 202: like a provider's webhook, the reply is stored now and processed asynchronously. */
  @Post('inbound')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SimulatedInboundView })
  inbound(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: SimulateInboundDto,
  ): Promise<SimulatedInboundView> {
    return this.simulator.inbound(clinic, dto);
  }

  @Get('outbox')
  @ApiOkResponse({ type: OutboxView })
  outbox(@CurrentClinic() clinic: ClinicEntity, @Query() q: OutboxQuery): Promise<OutboxView> {
    return this.simulator.outbox(clinic, q.limit);
  }
}
