import { Module } from '@nestjs/common';
import { RiskScoresRepository } from './risk-scores.repository';

/** Stored scores only; the model, its refit and its routes are RiskModule. */
@Module({ providers: [RiskScoresRepository], exports: [RiskScoresRepository] })
export class RiskScoresModule {}
