import { Module } from '@nestjs/common';
import { ConsolePageController } from './console-page.controller';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleSessionService } from './console-session.service';
import { SignInLinksController } from './sign-in-links.controller';
import { SignInLinksRepository } from './sign-in-links.repository';

@Module({
  controllers: [ConsolePageController, ConsoleSessionController, SignInLinksController],
  providers: [ConsoleSessionService, SignInLinksRepository],
  exports: [ConsoleSessionService, SignInLinksRepository],
})
export class ConsoleModule {}
