import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
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

  @Get()
  page(@Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(this.dir, 'index.html'));
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
