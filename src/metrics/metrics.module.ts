import { Global, Module } from '@nestjs/common';
import { BacklogRepository } from './backlog.repository';
import { MetricsController } from './metrics.controller';
import { MetricsTokenGuard } from './metrics-token.guard';
import { Metrics } from './metrics';
import { OperatorMetrics } from './operator.metrics';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, OperatorMetrics, BacklogRepository, MetricsTokenGuard],
  exports: [Metrics, OperatorMetrics],
})
export class MetricsModule {}
