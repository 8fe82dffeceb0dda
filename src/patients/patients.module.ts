import { Global, Module } from '@nestjs/common';
import { ConsentService } from './consent.service';
import { PatientsController } from './patients.controller';
import { PatientsRepository } from './patients.repository';

/** Patients and their consent ledger. */
@Global()
@Module({
  controllers: [PatientsController],
  providers: [PatientsRepository, ConsentService],
  exports: [PatientsRepository],
})
export class PatientsModule {}
