import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IncomingWebhook, RawWebhook } from './raw-webhook.decorator';
import { TelnyxWebhookDocs } from './webhook-docs';
import { WebhookIntakeService } from './webhook-intake.service';

@ApiTags('webhooks')
@Controller('webhooks/telnyx')
export class TelnyxWebhooksController {
  constructor(private readonly intake: WebhookIntakeService) {}

  /** Telnyx posts every messaging event to one URL; the event type says what it is. */
  @Post()
  @HttpCode(200)
  @ApiConsumes('application/json')
  @TelnyxWebhookDocs()
  @ApiOkResponse({ description: 'stored, already stored, or an event type Turnout ignores' })
  async event(@IncomingWebhook() raw: RawWebhook): Promise<void> {
    await this.intake.receiveSigned('telnyx', 'inbound', raw);
  }
}
