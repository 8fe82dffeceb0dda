import { Module } from '@nestjs/common';
import { ConsoleModule } from '../console/console.module';
import { PasskeysController } from './passkeys.controller';
import { PasskeysRepository } from './passkeys.repository';
import { PasskeysService } from './passkeys.service';
import { StaffController } from './staff.controller';
import { StaffRepository } from './staff.repository';
import { StaffService } from './staff.service';

/** People who sign in as themselves, with passkeys (API.md, Staff accounts and audit). */
@Module({
  imports: [ConsoleModule],
  controllers: [StaffController, PasskeysController],
  providers: [StaffRepository, StaffService, PasskeysRepository, PasskeysService],
})
export class StaffModule {}
