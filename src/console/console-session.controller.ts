import {
  Body,
  Controller,
  Delete,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Request, Response } from 'express';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleSignInDto } from './dto/console-session.dto';
import { clearedSessionCookie, sessionCookie, sessionToken } from '../auth/session-cookie';

@ApiTags('console')
@Controller('v1/console/session')
export class ConsoleSessionController {
  constructor(private readonly sessions: ConsoleSessionService) {}

  @Post()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'createConsoleSession',
    summary: 'Sign the staff console in with the clinic API key (sets a 12-hour session cookie)',
  })
  @ApiNoContentResponse({
    description:
      'signed in: Set-Cookie turnout_session (HttpOnly, SameSite=Strict, 12 h). Requests with ' +
      'the cookie act for the clinic; those that change something also need X-Turnout-Console: 1',
  })
  @ApiErrors(400, 401, 413, 415)
  async signIn(
    @Body() dto: ConsoleSignInDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const session = await this.sessions.signIn(dto.apiKey);
    if (!session) throw new UnauthorizedException('invalid API key');
    res.setHeader('Set-Cookie', sessionCookie(req, session.token, session.maxAgeMs));
    res.setHeader('Cache-Control', 'no-store');
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteConsoleSession', summary: 'Sign the staff console out' })
  @ApiNoContentResponse({ description: 'signed out (also when there was no session)' })
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.signOut(sessionToken(req));
    res.setHeader('Set-Cookie', clearedSessionCookie(req));
  }
}
