import { Global, Module } from '@nestjs/common';
import { PatientsRepository } from './patients.repository';

@Global()
@Module({ providers: [PatientsRepository], exports: [PatientsRepository] })
export class PatientsModule {}
