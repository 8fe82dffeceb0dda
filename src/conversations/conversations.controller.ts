import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { csvDownload } from '../common/text/csv';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { exportCsv } from './conversation-export';
import { ConversationsService } from './conversations.service';
import {
  ConversationExportQuery,
  ConversationExportView,
  ConversationList,
  ConversationView,
  ListConversationsQuery,
  StaffReplyDto,
} from './dto/conversations.dto';
import { AuditRead } from '../auth/audit-read.decorator';
import { LeastRole } from '../auth/roles';

const PHONE_PARAM = {
  name: 'patientPhone',
  description: '+E.164, URL-encoded',
  example: '%2B13125550123',
};

@ApiTags('staff inbox')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @LeastRole('staff')
  @AuditRead()
  @Get()
  @ApiOperation({
    operationId: 'listConversations',
    summary: 'Conversations, with why each waits for staff (needsAttention=true: only those)',
  })
  @ApiResponse({ status: 200, type: ConversationList })
  @ApiErrors(400, 401)
  list(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() q: ListConversationsQuery,
  ): Promise<ConversationList> {
    return this.conversations.list(clinic, q);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get(':patientPhone')
  @ApiOperation({
    operationId: 'getConversation',
    summary: 'The messages with a patient, newest last, and whether staff need to look',
  })
  @ApiParam(PHONE_PARAM)
  @ApiResponse({ status: 200, type: ConversationView })
  @ApiErrors(400, 401, 404)
  get(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('patientPhone') phone: string,
  ): Promise<ConversationView> {
    return this.conversations.get(clinic, phone);
  }

  @LeastRole('staff')
  @AuditRead()
  @Get(':patientPhone/export')
  @ApiOperation({
    operationId: 'exportConversation',
    summary: 'Every message and consent event of the number at this clinic, oldest first',
    description:
      'The record a compliance review asks for. format=csv answers text/csv with the same ' +
      'rows; a cell that a spreadsheet would run as a formula is prefixed with a quote.',
  })
  @ApiParam(PHONE_PARAM)
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'the conversation (JSON), or with format=csv the same rows as a CSV file',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ConversationExportView) } },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'type,at,id,direction,kind,status,body,appointmentId,action,source,word,note\r\n' +
            'message,2026-11-26T15:00:00.000Z,1b2c,inbound,inbound,received,STOP,,,,,\r\n' +
            'consent,2026-11-26T15:00:00.000Z,3d4e,,,,,,opt_out,keyword,STOP,\r\n',
        },
      },
    },
  })
  @ApiExtraModels(ConversationExportView)
  @ApiErrors(400, 401, 404)
  async export(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('patientPhone') phone: string,
    @Query() q: ConversationExportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConversationExportView | string> {
    const view = await this.conversations.export(clinic, phone);
    if (q.format !== 'csv') return view;
    return csvDownload(res, `conversation-${phone.replace('+', '')}.csv`, exportCsv(view.items));
  }

  @LeastRole('staff')
  @Post(':patientPhone/messages')
  @HttpCode(201)
  @ApiOperation({
    operationId: 'sendStaffReply',
    summary: 'Text the patient as staff: sent through the outbound pipeline, kept in the thread',
  })
  @ApiParam(PHONE_PARAM)
  @ApiResponse({ status: 201, type: ConversationView })
  // 409: the patient opted out
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
  reply(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('patientPhone') phone: string,
    @Body() dto: StaffReplyDto,
  ): Promise<ConversationView> {
    return this.conversations.reply(clinic, phone, dto.body);
  }

  @LeastRole('staff')
  @Post(':patientPhone/resolve')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'resolveConversation',
    summary: 'Clear the needs-attention flag: automatic answers resume',
  })
  @ApiParam(PHONE_PARAM)
  @ApiResponse({ status: 200, type: ConversationView })
  @ApiErrors(400, 401, 403, 404)
  resolve(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('patientPhone') phone: string,
  ): Promise<ConversationView> {
    return this.conversations.resolve(clinic, phone);
  }
}
