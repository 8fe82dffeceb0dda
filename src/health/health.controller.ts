import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database/migrations';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  @ApiOkResponse({ description: 'the process is alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'database reachable and every migration applied' })
  async ready(): Promise<{ status: 'ok'; database: 'ok'; migrations: 'applied' }> {
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
