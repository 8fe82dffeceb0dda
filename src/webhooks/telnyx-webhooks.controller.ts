import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IncomingWebhook, RawWebhook } from './raw-webhook.decorator';
import { TelnyxWebhookDocs } from './webhook-docs';
import { WebhookIntakeService } from './webhook-intake.service';

/** See TwilioWebhooksController: answered by webhook-routes.ts in the app. */
@ApiTags('webhooks')
@Controller('webhooks/telnyx')
export class TelnyxWebhooksController {
  constructor(private readonly intake: WebhookIntakeService) {}

  /** Telnyx posts every messaging event to one URL; the event type says what it is. */
  @Post()
  @HttpCode(200)
  @ApiConsumes('application/json')
  @TelnyxWebhookDocs()
  @ApiOperation({
    operationId: 'receiveTelnyxEvent',
    summary: 'Telnyx: an inbound SMS or a delivery status, signed with Ed25519',
  })
  @ApiOkResponse({
    description: 'stored, already stored, or an event type Turnout ignores; empty body',
  })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async event(@IncomingWebhook() raw: RawWebhook): Promise<void> {
    await this.intake.receiveSigned('telnyx', 'inbound', raw);
  }
}
