import { Body, Controller, HttpCode, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { sessionCookie } from '../auth/session-cookie';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import {
  PasskeyLinkDto,
  PasskeyOptionsView,
  PasskeyRegistrationDto,
  PasskeySignInDto,
} from './dto/passkeys.dto';
import { PasskeysService, Session } from './passkeys.service';

/**
 * The passkey ceremonies of the console. Public routes: the credential is the person's link
 * token (registration) or the passkey's signed answer (sign-in), both in the body.
 */
@ApiTags('console')
@Controller('v1/console/passkeys')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Post('registration-options')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'createPasskeyRegistrationOptions',
    summary: 'Start registering a passkey with a person’s sign-in link (the link is not used yet)',
  })
  @ApiOkResponse({ type: PasskeyOptionsView })
  @ApiErrors(400, 401, 413, 415)
  async registrationOptions(
    @Body() dto: PasskeyLinkDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PasskeyOptionsView> {
    const options = await this.passkeys.registrationOptions(dto.token);
    if (!options) throw new UnauthorizedException('sign-in link used or expired');
    res.setHeader('Cache-Control', 'no-store');
    return options as PasskeyOptionsView;
  }

  @Post('registration')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'registerPasskey',
    summary: 'Store the new passkey, use up the link and sign the person in (12-hour session)',
  })
  @ApiNoContentResponse({ description: 'registered and signed in: Set-Cookie turnout_session' })
  @ApiErrors(400, 401, 413, 415)
  async register(
    @Body() dto: PasskeyRegistrationDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const session = await this.passkeys.register(dto.token, dto.response, req.ip ?? null);
    if (!session) throw new UnauthorizedException('passkey not accepted, or link used or expired');
    signedIn(req, res, session);
  }

  @Post('sign-in-options')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'createPasskeySignInOptions',
    summary: 'Start signing in with a passkey (a challenge, usable once within 5 minutes)',
  })
  @ApiOkResponse({ type: PasskeyOptionsView })
  @ApiErrors(413, 415)
  async signInOptions(@Res({ passthrough: true }) res: Response): Promise<PasskeyOptionsView> {
    res.setHeader('Cache-Control', 'no-store');
    return (await this.passkeys.signInOptions()) as PasskeyOptionsView;
  }

  @Post('sign-in')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'signInWithPasskey',
    summary: 'Sign a person in with their passkey (12 hours at most, 30 minutes idle)',
  })
  @ApiNoContentResponse({ description: 'signed in: Set-Cookie turnout_session' })
  @ApiErrors(400, 401, 413, 415)
  async signIn(
    @Body() dto: PasskeySignInDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const session = await this.passkeys.signIn(dto.response, req.ip ?? null);
    if (!session) throw new UnauthorizedException('passkey not accepted');
    signedIn(req, res, session);
  }
}

function signedIn(req: Request, res: Response, session: Session): void {
  res.setHeader('Set-Cookie', sessionCookie(req, session.token, session.maxAgeMs));
  res.setHeader('Cache-Control', 'no-store');
}
