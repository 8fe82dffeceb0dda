import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard, type ClinicRequest } from '../auth/clinic-key.guard';
import { LeastRole } from '../auth/roles';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import type { Request, Response } from 'express';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleSignInDto, SignedInView } from './dto/console-session.dto';
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

  @Get()
  @UseGuards(ClinicKeyGuard)
  @ApiClinicKeyAuth()
  @LeastRole('staff')
  @ApiOperation({
    operationId: 'getConsoleSession',
    summary: 'Who is signed in: a person (name and role) or the clinic key (integration)',
  })
  @ApiOkResponse({ type: SignedInView })
  @ApiErrors(401)
  whoAmI(@Req() req: ClinicRequest): SignedInView {
    const actor = req.actor;
    return actor.type === 'person'
      ? { actor: 'person', id: actor.id, name: actor.name, role: actor.role }
      : { actor: 'integration', id: null, name: 'Clinic API key', role: 'admin' };
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
