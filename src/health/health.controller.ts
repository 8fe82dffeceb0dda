import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { LiveView, ReadyView } from './dto/health.dto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database/migrations';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LiveView, description: 'the process is alive' })
  live(): LiveView {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness: the database answers and every migration is applied',
  })
  @ApiOkResponse({ type: ReadyView, description: 'database reachable and every migration applied' })
  @ApiErrors(503)
  async ready(): Promise<ReadyView> {
    try {
      await this.ds.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException('database is not reachable');
    }
    if (await pendingMigrations(this.ds)) {
      throw new ServiceUnavailableException('database migrations are pending');
    }
    return { status: 'ok', database: 'ok', migrations: 'applied' };
  }
}
