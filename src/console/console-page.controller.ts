import { Controller, Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { sessionCookie } from '../auth/session-cookie';
import { ConsoleSessionService } from './console-session.service';
import { join } from 'node:path';
import { CONSOLE_FILES, consoleAssetsDir } from './console-assets';

/**
 * GET /console: the staff console, plain HTML, CSS and JavaScript modules from the package (no
 * build step, no CDN, no inline script or style, so a same-origin CSP holds). Loading it needs
 * no credentials; everything it shows comes from /v1 with the session cookie.
 */
@ApiExcludeController()
@Controller('console')
export class ConsolePageController {
  private readonly dir = consoleAssetsDir();

  constructor(private readonly sessions: ConsoleSessionService) {}

  @Get()
  page(@Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(this.dir, 'index.html'));
  }

  /**
   * A one-time sign-in link (POST /v1/console/sign-in-links): starts a session and opens the
   * console; a used, expired or unknown link opens the sign-in form saying so.
   */
  @Get('sign-in')
  async signIn(
    @Query('token') token: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const session = typeof token === 'string' ? await this.sessions.signInWithLink(token) : null;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!session) return res.redirect(303, '/console#link-expired');
    res.setHeader('Set-Cookie', sessionCookie(req, session.token, session.maxAgeMs));
    res.redirect(303, '/console');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const type = Object.prototype.hasOwnProperty.call(CONSOLE_FILES, file)
      ? CONSOLE_FILES[file]
      : undefined;
    if (!type) throw new NotFoundException('no such console file');
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(this.dir, file));
  }
}
