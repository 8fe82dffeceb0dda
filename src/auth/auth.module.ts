import { Global, Module } from '@nestjs/common';
import { AdminGuard } from './admin.guard';
import { ApiKeysRepository } from './api-keys.repository';
import { ClinicKeyGuard } from './clinic-key.guard';

@Global()
@Module({
  providers: [AdminGuard, ClinicKeyGuard, ApiKeysRepository],
  exports: [AdminGuard, ClinicKeyGuard, ApiKeysRepository],
})
export class AuthModule {}
