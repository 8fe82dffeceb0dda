import { Controller, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleSessionService } from './console-session.service';
import { SignInLinkView } from './dto/console-session.dto';
import { LeastRole } from '../auth/roles';

@ApiTags('console')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/console/sign-in-links')
export class SignInLinksController {
  constructor(
    private readonly sessions: ConsoleSessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @LeastRole('admin')
  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createConsoleSignInLink',
    summary: 'A one-time link that opens the staff console signed in (15 minutes, used once)',
  })
  @ApiCreatedResponse({ type: SignInLinkView })
  @ApiErrors(401, 403)
  async create(
    @CurrentClinic() clinic: ClinicEntity,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignInLinkView> {
    const link = await this.sessions.createSignInLink(clinic);
    res.setHeader('Cache-Control', 'no-store');
    return {
      url: `${this.config.publicBaseUrl}/console/sign-in?token=${link.token}`,
      expiresAt: link.expiresAt.toISOString(),
    };
  }
}
