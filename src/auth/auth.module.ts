import { Global, Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ClinicKeyGuard } from './clinic-key.guard';
import { ConsoleSessionsRepository } from './console-sessions.repository';

@Global()
@Module({
  providers: [AdminGuard, ClinicKeyGuard, ApiKeysRepository, ConsoleSessionsRepository],
  exports: [AdminGuard, ClinicKeyGuard, ApiKeysRepository, ConsoleSessionsRepository],
})
export class AuthModule {}
