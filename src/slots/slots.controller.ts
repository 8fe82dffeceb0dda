import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ListSlotsQuery, SlotList, SlotsBatchDto, SlotsBatchResult } from './dto/slots.dto';
import { SlotsService } from './slots.service';
import { LeastRole } from '../auth/roles';

@ApiTags('slots')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/slots')
export class SlotsController {
  constructor(private readonly slots: SlotsService) {}

  @LeastRole('admin')
  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'upsertSlotsBatch',
    summary: 'Publish open slots patients can be offered when they reschedule',
  })
  @ApiOkResponse({ type: SlotsBatchResult })
  @ApiErrors(400, 401, 403, 413, 415)
  batch(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: SlotsBatchDto,
  ): Promise<SlotsBatchResult> {
    return this.slots.upsertBatch(clinic, dto.slots);
  }

  @LeastRole('staff')
  @Get()
  @ApiOperation({ operationId: 'listSlots', summary: 'List the clinic’s open slots' })
  @ApiOkResponse({ type: SlotList })
  @ApiErrors(400, 401)
  list(@CurrentClinic() clinic: ClinicEntity, @Query() q: ListSlotsQuery): Promise<SlotList> {
    return this.slots.listOpen(clinic, q);
  }
}
