import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { sessionCookie } from '../auth/session-cookie';
import { ConsoleSessionService } from './console-session.service';
import { join } from 'node:path';
import { CONSOLE_FILES, consoleAssetsDir, PACKAGE_FILES } from './console-assets';
import { passkeyLinkPage, signInLinkPage } from './sign-in-link-page';

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
   * A one-time sign-in link (POST /v1/console/sign-in-links) opens a page with one button; only
   * the button's POST uses the link. Mail scanners and chat link previews fetch links with GET,
   * and must not spend a staff member's one use (nor be signed in by it).
   */
  @Get('sign-in')
  async signInPage(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!isLinkToken(token)) return res.redirect(303, '/console#link-expired');
    const kind = await this.sessions.linkKind(token);
    if (!kind) return res.redirect(303, '/console#link-expired');
    // a person's link registers their passkey; the clinic key's signs in with one button
    res.type('html').send(kind === 'person' ? passkeyLinkPage(token) : signInLinkPage(token));
  }

  /** The page's button: starts a session and opens the console, or says the link is spent. */
  @Post('sign-in')
  async signIn(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const token = (body as { token?: unknown } | undefined)?.token;
    const session = isLinkToken(token) ? await this.sessions.signInWithLink(token) : null;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!session) return res.redirect(303, '/console#link-expired');
    res.setHeader('Set-Cookie', sessionCookie(req, session.token, session.maxAgeMs));
    res.redirect(303, '/console');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const fromPackage = Object.prototype.hasOwnProperty.call(PACKAGE_FILES, file)
      ? PACKAGE_FILES[file]
      : undefined;
    const type = Object.prototype.hasOwnProperty.call(CONSOLE_FILES, file)
      ? CONSOLE_FILES[file]
      : fromPackage && 'text/javascript; charset=utf-8';
    if (!type) throw new NotFoundException('no such console file');
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(fromPackage ? fromPackage() : join(this.dir, file));
  }
}

/** What a link's token looks like (sl_ and 43 base64url characters); anything else is spent. */
function isLinkToken(token: unknown): token is string {
  return typeof token === 'string' && /^sl_[A-Za-z0-9_-]{43}$/.test(token);
}
