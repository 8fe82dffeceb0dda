import {
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Clock } from '../clock/clock';
import { DueSignals } from './due-signals';
import { DUE_WORK, type DueWorkRegistration } from './due-work';
import { DueWorkLoop, type DuePass } from './due-work-loop';

interface Registered {
  loop: DueWorkLoop;
  registration: DueWorkRegistration;
  worker: object;
}

/**
 * Runs every `@DueWork` pass of the application on its own DueWorkLoop: registers it with
 * DueSignals under its kinds, starts it at bootstrap, and on shutdown stops it and waits for
 * its running pass before the pool closes. Each loop's armed timer is held in @nestjs/schedule's
 * SchedulerRegistry as the timeout `due-work:<name>` (listed by `getTimeouts()`, cleared by the
 * schedule module at shutdown); the due times themselves live in the database, never in a
 * process's cron or interval, so a restart loses nothing.
 */
@Injectable()
export class DueWorkRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private registered: Registered[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly signals: DueSignals,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly schedule: SchedulerRegistry,
  ) {}

  /** The loop of the pass registered under `name` (tests). */
  loop(name: string): DueWorkLoop | undefined {
    return this.registered.find((r) => r.registration.name === name)?.loop;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registered = this.discover();
    for (const { loop, registration, worker } of this.registered) {
      for (const kind of registration.kinds ?? []) {
        const heard = registration.heard;
        await this.signals.register(kind, loop, heard && ((at) => heard(worker, kind, at)));
      }
      loop.start();
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const { registration, worker } of this.registered) registration.stopping?.(worker);
    await Promise.all(this.registered.map(({ loop }) => loop.stop()));
  }

  private discover(): Registered[] {
    const found: Registered[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const worker = wrapper.instance as Record<string, unknown> | undefined;
      if (!worker || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(worker) as object;
      for (const key of this.scanner.getAllMethodNames(prototype)) {
        const method = worker[key] as DuePass;
        const registration = Reflect.getMetadata(DUE_WORK, method) as
          DueWorkRegistration | undefined;
        if (registration) found.push(this.create(registration, worker, () => method.call(worker)));
      }
    }
    return found;
  }

  private create(registration: DueWorkRegistration, worker: object, pass: DuePass): Registered {
    const nudge = registration.nudge;
    const setting = this.config[registration.poll];
    const loop = new DueWorkLoop(registration.name, this.clock, pass, {
      // 0 still turns the loop off; a pass that knows its next due time polls only as a net.
      pollMs: setting > 0 ? Math.max(setting, registration.safetyPollMs ?? 0) : 0,
      minGapMs: registration.minGapMs,
      leadMs: registration.leadMs,
      nudge: nudge && ((at) => nudge(worker, at)),
      timer: (timer) => this.hold(`due-work:${registration.name}`, timer),
    });
    return { loop, registration, worker };
  }

  private hold(name: string, timer: NodeJS.Timeout | null): void {
    if (this.schedule.doesExist('timeout', name)) this.schedule.deleteTimeout(name);
    if (timer) this.schedule.addTimeout(name, timer);
  }
}

/**
 * Imported last by the AppModule: its bootstrap then runs after every feature module's own (the
 * sender's start-up warm-up comes before the first pass), as the per-feature schedulers did.
 */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot()],
  providers: [DueWorkRunner],
  exports: [DueWorkRunner],
})
export class DueWorkModule {}
