import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import { LeastRole } from '../auth/roles';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { SignInLinkView } from '../console/dto/console-session.dto';
import {
  CreatedStaffView,
  CreateStaffDto,
  PatchStaffDto,
  StaffPage,
  StaffView,
} from './dto/staff.dto';
import { StaffService } from './staff.service';

@ApiTags('staff')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @LeastRole('admin')
  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createStaff',
    summary: 'Add a person to the clinic, with a one-time link to register a passkey (15 minutes)',
  })
  @ApiCreatedResponse({ type: CreatedStaffView })
  @ApiErrors(400, 401, 403, 409, 413, 415)
  async create(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: CreateStaffDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreatedStaffView> {
    res.setHeader('Cache-Control', 'no-store');
    return this.staff.create(clinic, dto);
  }

  @LeastRole('admin')
  @Get()
  @ApiOperation({ operationId: 'listStaff', summary: 'The clinic’s people, with who is signed in' })
  @ApiOkResponse({ type: StaffPage })
  @ApiErrors(401, 403)
  async list(@CurrentClinic() clinic: ClinicEntity): Promise<StaffPage> {
    return { items: await this.staff.list(clinic) };
  }

  @LeastRole('admin')
  @Patch(':id')
  @ApiOperation({
    operationId: 'patchStaff',
    summary: 'Change a person’s role, or deactivate them (signed out everywhere at once)',
  })
  @ApiOkResponse({ type: StaffView })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  patch(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
    @Body() dto: PatchStaffDto,
  ): Promise<StaffView> {
    return this.staff.patch(clinic, id, dto);
  }

  @LeastRole('admin')
  @Delete(':id')
  @ApiOperation({
    operationId: 'deactivateStaff',
    summary: 'Deactivate a person: their sessions and sign-in links end at once',
  })
  @ApiOkResponse({ type: StaffView })
  @ApiErrors(401, 403, 404)
  deactivate(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string): Promise<StaffView> {
    return this.staff.patch(clinic, id, { active: false });
  }

  @LeastRole('admin')
  @Post(':id/sign-in-links')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createStaffSignInLink',
    summary: 'A new one-time link for a person to register a passkey (a new or lost device)',
  })
  @ApiCreatedResponse({ type: SignInLinkView })
  @ApiErrors(401, 403, 404, 409)
  async link(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignInLinkView> {
    res.setHeader('Cache-Control', 'no-store');
    return this.staff.newLink(clinic, id);
  }
}
