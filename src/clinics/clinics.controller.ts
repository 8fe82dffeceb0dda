import { Body, Controller, Get, Header, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../auth/admin.guard';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from './clinic.entity';
import { ClinicsService } from './clinics.service';
import { CreateClinicDto, UpdateClinicDto } from './dto/clinic-input.dto';
import { ClinicView, CreatedClinicView } from './dto/clinic-view.dto';

@ApiTags('clinics')
@ApiBearerAuth()
@Controller('v1')
export class ClinicsController {
  constructor(private readonly clinics: ClinicsService) {}

  @Post('clinics')
  @UseGuards(AdminGuard)
  @HttpCode(201)
  // carries the API key and webhook secret, shown this once: no cache may keep a copy
  @Header('Cache-Control', 'no-store')
  @ApiCreatedResponse({ type: CreatedClinicView })
  create(@Body() dto: CreateClinicDto): Promise<CreatedClinicView> {
    return this.clinics.create(dto);
  }

  @Get('clinic')
  @UseGuards(ClinicKeyGuard)
  @ApiOkResponse({ type: ClinicView })
  get(@CurrentClinic() clinic: ClinicEntity): ClinicView {
    return this.clinics.view(clinic);
  }

  @Patch('clinic')
  @UseGuards(ClinicKeyGuard)
  @ApiOkResponse({ type: ClinicView })
  update(@CurrentClinic() clinic: ClinicEntity, @Body() dto: UpdateClinicDto): Promise<ClinicView> {
    return this.clinics.update(clinic.id, dto);
  }
}
