import { AuditRead } from '../auth/audit-read.decorator';
import { LeastRole } from '../auth/roles';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import {
  CreateWaitlistEntryDto,
  ListWaitlistQuery,
  WaitlistEntryView,
  WaitlistList,
} from './dto/waitlist.dto';
import { WaitlistService } from './waitlist.service';

@ApiTags('waitlist')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/waitlist')
export class WaitlistController {
  constructor(private readonly waitlist: WaitlistService) {}

  @LeastRole('staff')
  @Post()
  @ApiOperation({
    operationId: 'addToWaitlist',
    summary: 'Put a patient on the waitlist for freed time',
  })
  @ApiCreatedResponse({ type: WaitlistEntryView })
  @ApiErrors(400, 401, 409, 413, 415)
  create(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() dto: CreateWaitlistEntryDto,
  ): Promise<WaitlistEntryView> {
    return this.waitlist.create(clinic, dto);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get()
  @ApiOperation({ operationId: 'listWaitlist', summary: 'The waitlist, with the offers made' })
  @ApiOkResponse({ type: WaitlistList })
  @ApiErrors(400, 401)
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListWaitlistQuery,
  ): Promise<WaitlistList> {
    return this.waitlist.list(clinic, q);
  }

  @LeastRole('staff')
  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ operationId: 'removeFromWaitlist', summary: 'Take an entry off the waitlist' })
  @ApiOkResponse({ type: WaitlistEntryView })
  @ApiErrors(401, 404, 409)
  remove(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string) {
    return this.waitlist.remove(clinic, id);
  }
}
