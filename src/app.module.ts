import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppointmentsModule } from './appointments/appointments.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BroadcastsModule } from './broadcasts/broadcasts.module';
import { CalendarModule } from './calendar/calendar.module';
import { CalendarSyncModule } from './calendar/store/calendar-sync.module';
import { ClinicsModule } from './clinics/clinics.module';
import { CommonModule } from './common/common.module';
import { DueWorkModule } from './common/due-work/due-work-runner';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { rateLimits } from './common/rate-limit/rate-limits';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';
import { ExperimentsModule } from './experiments/experiments.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OutboundModule } from './outbound/outbound.module';
import { ReportsModule } from './reports/reports.module';
import { RiskModule } from './risk/risk.module';
import { ConsoleModule } from './console/console.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { SlotsModule } from './slots/slots.module';
import { WaitlistModule } from './waitlist/waitlist.module';
import { StaffModule } from './staff/staff.module';

@Global()
@Module({})
class ConfigHolderModule {
  static with(config: AppConfig): DynamicModule {
    return {
      module: ConfigHolderModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

/**
 * The application, built from a resolved config (database URL known, admin token set).
 * `dataSource`: one already connected with the same options (the start-up's, which checked and
 * ran the migrations): the app takes it over instead of connecting again, and closes it.
 */
@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig & { databaseUrl: string },
    dataSource?: DataSource,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigHolderModule.with(config),
        LoggingModule.forRoot(config.logLevel, config.logFormat),
        dataSource
          ? TypeOrmModule.forRootAsync({
              useFactory: () => dataSourceOptions(config.databaseUrl),
              dataSourceFactory: () => Promise.resolve(dataSource),
            })
          : TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)),
        ThrottlerModule.forRoot(rateLimits(config)),
        CommonModule,
        AuthModule,
        AuditModule,
        HealthModule,
        ClinicsModule,
        RiskModule, // before AppointmentsModule: its call-list route precedes /:id
        AppointmentsModule,
        SlotsModule,
        WaitlistModule,
        CalendarModule,
        CalendarSyncModule,
        MessagingModule,
        MetricsModule,
        OutboundModule,
        WebhooksModule,
        ReportsModule,
        BroadcastsModule,
        ExperimentsModule,
        ConsoleModule,
        StaffModule,
        DueWorkModule,
      ],
      // global, so it runs before any route's own guard and covers routes added later
      providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
    };
  }
}
