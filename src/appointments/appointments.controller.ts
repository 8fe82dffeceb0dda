import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { AppointmentsService } from './appointments.service';
import {
  AppointmentPage,
  AppointmentView,
  UpsertedAppointmentView,
} from './dto/appointment-view.dto';
import { ListAppointmentsQuery } from './dto/list-appointments.dto';
import { PatchAppointmentDto } from './dto/patch-appointment.dto';
import {
  BatchAppointmentsDto,
  BatchResultView,
  UpsertAppointmentDto,
} from './dto/upsert-appointment.dto';

@ApiTags('appointments')
@ApiBearerAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/appointments')
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Post()
  @ApiOkResponse({
    type: UpsertedAppointmentView,
    description: '201 created, 200 updated or unchanged',
  })
  async upsert(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: UpsertAppointmentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UpsertedAppointmentView> {
    const view = await this.appointments.upsertOne(clinic, dto);
    res.status(view.outcome === 'created' ? 201 : 200);
    return view;
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOkResponse({ type: BatchResultView })
  batch(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: BatchAppointmentsDto,
  ): Promise<BatchResultView> {
    return this.appointments.upsertBatch(clinic, dto.appointments);
  }

  @Get()
  @ApiOkResponse({ type: AppointmentPage })
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListAppointmentsQuery,
  ): Promise<AppointmentPage> {
    return this.appointments.list(clinic, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: AppointmentView })
  get(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string): Promise<AppointmentView> {
    return this.appointments.get(clinic, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AppointmentView })
  patch(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
    @Body() dto: PatchAppointmentDto,
  ): Promise<AppointmentView> {
    return this.appointments.patch(clinic, id, dto);
  }
}
