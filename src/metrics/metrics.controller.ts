import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiMetricsAuth } from '../common/openapi/auth';
import { MetricsTokenGuard } from './metrics-token.guard';
import { Metrics } from './metrics';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiMetricsAuth()
  @ApiOperation({
    operationId: 'scrapeMetrics',
    summary: 'Prometheus metrics; wants METRICS_TOKEN when the operator set one',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrors(401)
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
