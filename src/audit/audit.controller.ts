import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import { LeastRole } from '../auth/roles';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { csvDownload } from '../common/text/csv';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { AuditRead } from '../auth/audit-read.decorator';
import { AuditService } from './audit.service';
import { AuditPage, AuditQuery } from './dto/audit.dto';

@ApiTags('audit')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/audit')
@ApiExtraModels(AuditPage)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @LeastRole('admin')
  @AuditRead()
  @Get()
  @ApiOperation({
    operationId: 'listAudit',
    summary: 'The audit trail: every read of patient data and every change, newest first',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'the entries (JSON), or with format=csv the same as a CSV file',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(AuditPage) } },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'at,actorType,actorId,actorName,action,patientPhone,appointmentId,targetId,clientAddress\r\n',
        },
      },
    },
  })
  @ApiErrors(400, 401, 403)
  async list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: AuditQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuditPage | string> {
    res.setHeader('Cache-Control', 'no-store');
    if (query.format !== 'csv') return this.audit.list(clinic, query);
    return csvDownload(res, 'audit.csv', await this.audit.csv(clinic, query));
  }
}
