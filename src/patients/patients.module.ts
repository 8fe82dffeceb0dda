import { Module } from '@nestjs/common';
import { PatientsRepository } from './patients.repository';

@Module({ providers: [PatientsRepository], exports: [PatientsRepository] })
export class PatientsModule {}
