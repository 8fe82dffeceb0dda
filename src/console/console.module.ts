import { Module } from '@nestjs/common';
import { ConsolePageController } from './console-page.controller';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleSessionService } from './console-session.service';

@Module({
  controllers: [ConsolePageController, ConsoleSessionController],
  providers: [ConsoleSessionService],
  exports: [ConsoleSessionService],
})
export class ConsoleModule {}
