import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ListSlotsQuery, SlotList, SlotsBatchDto, SlotsBatchResult } from './dto/slots.dto';
import { SlotsService } from './slots.service';

@ApiTags('slots')
@ApiBearerAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/slots')
export class SlotsController {
  constructor(private readonly slots: SlotsService) {}

  @Post('batch')
  @HttpCode(200)
  @ApiOkResponse({ type: SlotsBatchResult })
  batch(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: SlotsBatchDto,
  ): Promise<SlotsBatchResult> {
    return this.slots.upsertBatch(clinic, dto.slots);
  }

  @Get()
  @ApiOkResponse({ type: SlotList })
  list(@CurrentClinic() clinic: ClinicEntity, @Query() q: ListSlotsQuery): Promise<SlotList> {
    return this.slots.listOpen(clinic, q);
  }
}
