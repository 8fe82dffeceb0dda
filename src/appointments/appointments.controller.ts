import { ApiErrors } from '../common/openapi/api-errors.decorator';
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
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
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
import { AuditRead } from '../auth/audit-read.decorator';
import { LeastRole } from '../auth/roles';

@ApiTags('appointments')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/appointments')
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @LeastRole('admin')
  @Post()
  @ApiOperation({
    operationId: 'upsertAppointment',
    summary: 'Create or update one appointment, keyed by the clinic’s externalId',
  })
  @ApiResponse({ status: 201, type: UpsertedAppointmentView, description: 'created' })
  @ApiResponse({ status: 200, type: UpsertedAppointmentView, description: 'updated or unchanged' })
  @ApiErrors(400, 401, 403, 409, 413, 415)
  async upsert(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: UpsertAppointmentDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UpsertedAppointmentView> {
    const view = await this.appointments.upsertOne(clinic, dto);
    res.status(view.outcome === 'created' ? 201 : 200);
    return view;
  }

  @LeastRole('admin')
  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'upsertAppointmentsBatch',
    summary: 'Create or update up to 5,000 appointments; each item has its own outcome',
  })
  @ApiOkResponse({ type: BatchResultView })
  @ApiErrors(400, 401, 403, 413, 415)
  batch(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: BatchAppointmentsDto,
  ): Promise<BatchResultView> {
    return this.appointments.upsertBatch(clinic, dto.appointments);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get()
  @ApiOperation({
    operationId: 'listAppointments',
    summary: 'List the clinic’s appointments (by externalId, or a page by start time)',
  })
  @ApiOkResponse({ type: AppointmentPage })
  @ApiErrors(400, 401)
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListAppointmentsQuery,
  ): Promise<AppointmentPage> {
    return this.appointments.list(clinic, q);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get(':id')
  @ApiOperation({
    operationId: 'getAppointment',
    summary: 'Read one appointment with its reminder plan, messages and history',
  })
  @ApiOkResponse({ type: AppointmentView })
  @ApiErrors(400, 401, 404)
  get(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string): Promise<AppointmentView> {
    return this.appointments.get(clinic, id);
  }

  @LeastRole('staff')
  @Patch(':id')
  @ApiOperation({
    operationId: 'patchAppointment',
    summary: 'Record what staff saw: arrived, completed, no-show or cancelled',
  })
  @ApiOkResponse({ type: AppointmentView })
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
  patch(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
    @Body() dto: PatchAppointmentDto,
  ): Promise<AppointmentView> {
    return this.appointments.patch(clinic, id, dto);
  }
}
