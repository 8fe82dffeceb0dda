import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiOkResponse({ description: 'stored (or already stored)' })
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
  @ApiOkResponse({ description: 'stored (or already stored)' })
  async dlr(@Param('secret') secret: string, @IncomingWebhook() raw: RawWebhook): Promise<void> {
    await this.intake.receiveFlowroute(secret, 'status', raw);
  }
}
