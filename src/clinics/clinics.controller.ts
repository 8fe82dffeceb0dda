import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Body, Controller, Get, Header, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiClinicKeyAuth, ApiOperatorAuth } from '../common/openapi/auth';
import { AdminGuard } from '../auth/admin.guard';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from './clinic.entity';
import { ClinicsService } from './clinics.service';
import { CreateClinicDto, UpdateClinicDto } from './dto/clinic-input.dto';
import { ClinicView, CreatedClinicView } from './dto/clinic-view.dto';
import { LeastRole } from '../auth/roles';

@ApiTags('clinics')
@Controller('v1')
export class ClinicsController {
  constructor(private readonly clinics: ClinicsService) {}

  @Post('clinics')
  @UseGuards(AdminGuard)
  @HttpCode(201)
  // carries the API key and webhook secret, shown this once: no cache may keep a copy
  @Header('Cache-Control', 'no-store')
  @ApiOperatorAuth()
  @ApiOperation({
    operationId: 'createClinic',
    summary: 'Create a clinic (operator); the answer shows its API key once',
  })
  @ApiCreatedResponse({ type: CreatedClinicView, description: 'created' })
  @ApiErrors(400, 401, 409, 413, 415)
  create(@Body() dto: CreateClinicDto): Promise<CreatedClinicView> {
    return this.clinics.create(dto);
  }

  @LeastRole('staff')
  @Get('clinic')
  @UseGuards(ClinicKeyGuard)
  @ApiClinicKeyAuth()
  @ApiOperation({ operationId: 'getClinic', summary: 'Read the calling clinic’s settings' })
  @ApiOkResponse({ type: ClinicView })
  @ApiErrors(401)
  get(@CurrentClinic() clinic: ClinicEntity): ClinicView {
    return this.clinics.view(clinic);
  }

  @LeastRole('admin')
  @Patch('clinic')
  @UseGuards(ClinicKeyGuard)
  @ApiClinicKeyAuth()
  @ApiOperation({
    operationId: 'updateClinic',
    summary: 'Change the calling clinic’s settings; reminders are replanned when offsets change',
  })
  @ApiOkResponse({ type: ClinicView })
  @ApiErrors(400, 401, 403, 409, 413, 415)
  update(@CurrentClinic() clinic: ClinicEntity, @Body() dto: UpdateClinicDto): Promise<ClinicView> {
    return this.clinics.update(clinic.id, dto);
  }
}
