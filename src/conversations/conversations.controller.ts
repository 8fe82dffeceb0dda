import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ConversationsService } from './conversations.service';
import {
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
