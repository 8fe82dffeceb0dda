import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsoleSessionsRepository } from '../auth/console-sessions.repository';
import { SESSION_IDLE_MS } from '../auth/session-cookie';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ConsoleSessionService } from '../console/console-session.service';
import { SignInLinksRepository } from '../console/sign-in-links.repository';
import { SignInLinkView } from '../console/dto/console-session.dto';
import { CreatedStaffView, CreateStaffDto, PatchStaffDto, StaffView } from './dto/staff.dto';
import { StaffRepository, StaffRow } from './staff.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class StaffService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly staff: StaffRepository,
    private readonly sessions: ConsoleSessionsRepository,
    private readonly links: SignInLinksRepository,
    private readonly consoleSessions: ConsoleSessionService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(clinic: ClinicEntity, dto: CreateStaffDto): Promise<CreatedStaffView> {
    const id = await this.staff.insert(clinic.id, dto, this.clock.now());
    if (!id) throw new ConflictError([`email ${dto.email} is already on this clinic's staff`]);
    const link = await this.newLink(clinic, id);
    return {
      ...(await this.get(clinic, id)),
      signInUrl: link.url,
      signInUrlExpiresAt: link.expiresAt,
    };
  }

  async list(clinic: ClinicEntity): Promise<StaffView[]> {
    const now = this.clock.now();
    const rows = await this.staff.list(clinic.id, now, this.liveSince(now));
    return rows.map(view);
  }

  async get(clinic: ClinicEntity, id: string): Promise<StaffView> {
    const now = this.clock.now();
    const row = UUID.test(id)
      ? await this.staff.find(clinic.id, id, now, this.liveSince(now))
      : null;
    if (!row) throw new NotFoundError('staff member');
    return view(row);
  }

  /** Role and active; deactivation ends the person's sessions and links in the same commit. */
  async patch(clinic: ClinicEntity, id: string, dto: PatchStaffDto): Promise<StaffView> {
    const now = this.clock.now();
    await this.ds.transaction(async (m) => {
      if (!UUID.test(id) || !(await this.staff.lock(m, clinic.id, id))) {
        throw new NotFoundError('staff member');
      }
      await this.staff.update(m, id, dto, now);
      if (dto.active === false) {
        await this.sessions.deleteForStaff(m, id);
        await this.links.deleteForStaff(m, id);
      }
    });
    return this.get(clinic, id);
  }

  /** A new one-time link for an active person (a new device, a lost one). */
  async newLink(clinic: ClinicEntity, id: string): Promise<SignInLinkView> {
    const person = await this.get(clinic, id);
    if (!person.active) throw new ConflictError(['the staff member is deactivated']);
    const link = await this.consoleSessions.createSignInLink(clinic, id);
    return {
      url: `${this.config.publicBaseUrl}/console/sign-in?token=${link.token}`,
      expiresAt: link.expiresAt.toISOString(),
    };
  }

  private liveSince(now: Date): Date {
    return new Date(now.getTime() - SESSION_IDLE_MS);
  }
}

function view(r: StaffRow): StaffView {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role,
    active: r.active,
    passkeys: r.passkeys,
    sessions: r.sessions,
    createdAt: r.created_at.toISOString(),
  };
}
