import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IncomingWebhook, RawWebhook } from './raw-webhook.decorator';
import { TwilioWebhookDocs } from './webhook-docs';
import { EMPTY_TWIML } from './webhook-routes';
import { WebhookIntakeService } from './webhook-intake.service';

/**
 * The routes' OpenAPI description; the app answers them with the lean handlers of
 * webhook-routes.ts, mounted before Nest's pipeline (these answer where those are not mounted).
 */
@ApiTags('webhooks')
@Controller('webhooks/twilio')
export class TwilioWebhooksController {
  constructor(private readonly intake: WebhookIntakeService) {}

  @Post('inbound')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @TwilioWebhookDocs(['MessageSid', 'AccountSid', 'From', 'To', 'Body', 'NumMedia'])
  @ApiOperation({
    operationId: 'receiveTwilioInbound',
    summary: 'Twilio: a patient’s SMS to a clinic number',
  })
  @ApiOkResponse({
    description: 'stored (or already stored); body `<Response/>`',
    content: { 'text/xml': { schema: { type: 'string', example: '<Response/>' } } },
  })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async inbound(
    @IncomingWebhook() raw: RawWebhook,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    await this.intake.receiveSigned('twilio', 'inbound', raw);
    // Set only on success (a @Header would also label the JSON error answers as XML).
    res.type('text/xml');
    return EMPTY_TWIML;
  }

  @Post('status')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @TwilioWebhookDocs(['MessageSid', 'MessageStatus', 'ErrorCode', 'AccountSid', 'From', 'To'])
  @ApiOperation({
    operationId: 'receiveTwilioStatus',
    summary: 'Twilio: a delivery status callback for a text Turnout sent',
  })
  @ApiOkResponse({ description: 'stored (or already stored); empty body' })
  @ApiErrors(400, 401, 403, 404, 413, 415)
  async status(@IncomingWebhook() raw: RawWebhook): Promise<void> {
    await this.intake.receiveSigned('twilio', 'status', raw);
  }
}
