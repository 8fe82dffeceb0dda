import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IncomingWebhook, RawWebhook } from './raw-webhook.decorator';
import { FlowrouteWebhookDocs } from './webhook-docs';
import { WebhookIntakeService } from './webhook-intake.service';

@ApiTags('webhooks')
@Controller('webhooks/flowroute/:secret')
export class FlowrouteWebhooksController {
  constructor(private readonly intake: WebhookIntakeService) {}

  @Post('inbound')
  @HttpCode(200)
  @ApiConsumes('application/vnd.api+json', 'application/json')
  @FlowrouteWebhookDocs('message')
  @ApiOperation({
    operationId: 'receiveFlowrouteInbound',
    summary: 'Flowroute: a patient’s SMS; the path secret identifies the clinic',
  })
  @ApiOkResponse({ description: 'stored (or already stored); empty body' })
  @ApiErrors(400, 404, 413, 415)
  async inbound(
    @Param('secret') secret: string,
    @IncomingWebhook() raw: RawWebhook,
  ): Promise<void> {
    await this.intake.receiveFlowroute(secret, 'inbound', raw);
  }

  @Post('dlr')
  @HttpCode(200)
  @ApiConsumes('application/vnd.api+json', 'application/json')
  @FlowrouteWebhookDocs('delivery_receipt')
  @ApiOperation({
    operationId: 'receiveFlowrouteReceipt',
    summary: 'Flowroute: a delivery receipt for a text Turnout sent',
  })
  @ApiOkResponse({ description: 'stored (or already stored); empty body' })
  @ApiErrors(400, 404, 413, 415)
  async dlr(@Param('secret') secret: string, @IncomingWebhook() raw: RawWebhook): Promise<void> {
    await this.intake.receiveFlowroute(secret, 'status', raw);
  }
}
