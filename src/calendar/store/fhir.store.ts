import { Inject, Injectable } from '@nestjs/common';
import type { Appointment, Bundle, Resource } from '@medplum/fhirtypes';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import type { FhirStoreSettings } from '../../clinics/calendar-store-settings';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import {
  CalendarStoreAdapter,
  StoreChange,
  CalendarKept,
  HeldRefs,
  StoreContext,
  StoreError,
  StoreLink,
  StoreRead,
  StoreWrite,
} from './calendar-store.port';
import {
  joinIncluded,
  mapFhirAppointment,
  newAppointment,
  outcomeText,
  patchFor,
} from './fhir-mapping';
import { SmartBackendTokens } from './smart-backend-tokens';
import { countingFetch, errorText, retryAfter } from './store-http';

const FHIR_JSON = 'application/fhir+json';
const PAGE_SIZE = 100;
const MAX_CONFLICTS = 3;
/** Ids per `_id` search of a reconcile: short enough for any server's URL limit. */
const ID_BATCH = 50;
/** How far back the search reaches: today's appointments stay in view all day. */
const LOOK_BACK_MS = 24 * 3600_000;

/**
 * A FHIR R4 server: Appointments read by search (`date=ge`, `_lastUpdated=gt` the last read's
 * high-water mark, `_include` patient, practitioner, location, following `next` links) and
 * written by JSON Patch with If-Match on the version read; a booking is a POST.
 */
@Injectable()
export class FhirStore implements CalendarStoreAdapter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly tokens: SmartBackendTokens,
  ) {}

  readonly type = 'fhir' as const;
  readonly linked = true;

  /**
   * The changes since `cursor`; with `held`, also the Appointments deleted outright since
   * Turnout read them, which no search returns any more: the ids Turnout holds for upcoming
   * appointments are searched by `_id` in batches, and those not found are reported deleted.
   */
  async read(ctx: StoreContext, cursor: string | null, held?: HeldRefs): Promise<StoreRead> {
    const settings = ctx.settings as FhirStoreSettings;
    const http = countingFetch(this.config.calendarTimeoutMs);
    const since = new Date(this.clock.now().getTime() - LOOK_BACK_MS).toISOString();
    const query = new URLSearchParams({ date: `ge${since}`, _count: String(PAGE_SIZE) });
    if (cursor) query.set('_lastUpdated', `gt${cursor}`);
    for (const inc of ['Appointment:patient', 'Appointment:practitioner', 'Appointment:location']) {
      query.append('_include', inc);
    }
    let url: string | null = `${base(settings)}/Appointment?${query.toString()}`;
    const read: StoreRead = { mapped: [], unmapped: [], deleted: [], cursor, requests: 0 };
    while (url) {
      const bundle = (await this.call(ctx, http.fetch, 'GET', url)).body as Bundle;
      const resources = (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is Resource => !!r);
      for (const a of joinIncluded(resources)) {
        const updated = a.appointment.meta?.lastUpdated;
        if (updated && (!read.cursor || Date.parse(updated) > Date.parse(read.cursor))) {
          read.cursor = updated;
        }
        const mapped = mapFhirAppointment(a);
        if (mapped.kind === 'unmapped') read.unmapped.push(mapped.unmapped);
        else {
          read.mapped.push({
            externalId: mapped.item.externalId,
            href: `Appointment/${a.appointment.id}`,
            etag: a.appointment.meta?.versionId ?? null,
            source: JSON.stringify(a.appointment),
            item: mapped.item,
          });
        }
      }
      url = bundle.link?.find((l) => l.relation === 'next')?.url ?? null;
    }
    if (held) read.deleted = await this.missing(ctx, http.fetch, await held.upcoming());
    read.requests = http.requests();
    return read;
  }

  /** Of these refs (`Appointment/<id>`), the ones the server no longer has. */
  private async missing(ctx: StoreContext, fetcher: typeof fetch, refs: string[]) {
    const settings = ctx.settings as FhirStoreSettings;
    const gone: string[] = [];
    for (let i = 0; i < refs.length; i += ID_BATCH) {
      const batch = refs.slice(i, i + ID_BATCH);
      const ids = batch.map((r) => r.replace(/^Appointment\//, ''));
      const found = new Set<string>();
      const query = new URLSearchParams({ _id: ids.join(','), _count: String(ID_BATCH) });
      let url: string | null = `${base(settings)}/Appointment?${query.toString()}`;
      while (url) {
        const bundle = (await this.call(ctx, fetcher, 'GET', url)).body as Bundle;
        for (const e of bundle.entry ?? []) {
          if (e.resource?.resourceType === 'Appointment' && e.resource.id) found.add(e.resource.id);
        }
        url = bundle.link?.find((l) => l.relation === 'next')?.url ?? null;
      }
      batch.forEach((ref, k) => {
        if (!found.has(ids[k])) gone.push(ref);
      });
    }
    return gone;
  }

  async write(ctx: StoreContext, change: StoreChange, link: StoreLink | null): Promise<StoreWrite> {
    const http = countingFetch(this.config.calendarTimeoutMs);
    const settings = ctx.settings as FhirStoreSettings;
    const a = change.appointment;
    const wanted = {
      status: a.status as AppointmentStatus,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      moved: change.type === 'appointment.rescheduled',
    };
    try {
      if (!link) {
        const created = await this.call(ctx, http.fetch, 'POST', `${base(settings)}/Appointment`, {
          body: JSON.stringify(
            newAppointment({
              ...wanted,
              externalId: a.externalId,
              patient: a.patient,
              practitioner: a.practitioner,
              location: a.location,
              type: a.type,
            }),
          ),
          contentType: FHIR_JSON,
        });
        const resource = created.body as Appointment;
        return {
          ok: true,
          link: {
            externalId: a.externalId,
            href: `Appointment/${resource.id}`,
            etag: resource.meta?.versionId ?? null,
            source: JSON.stringify(resource),
          },
          conflicts: 0,
          requests: http.requests(),
        };
      }
      let current: Appointment | null = link.source
        ? (JSON.parse(link.source) as Appointment)
        : null;
      let version = link.etag;
      const known = current
        ? { start: current.start, end: current.end }
        : { start: link.item.startsAt, end: undefined };
      let conflicts = 0;
      for (;;) {
        if (!current) {
          const got = await this.call(ctx, http.fetch, 'GET', `${base(settings)}/${link.href}`);
          current = got.body as Appointment;
          version = current.meta?.versionId ?? null;
        }
        const kept = conflicts > 0 && wanted.moved && ehrMoved(current, known, wanted);
        if (kept) {
          // The EHR moved it too since Turnout read it: its time stands, Turnout's is dropped.
          return {
            ok: true,
            link: { ...link, etag: version, source: JSON.stringify(current) },
            conflicts,
            requests: http.requests(),
            calendarKept: kept,
          };
        }
        const ops = patchFor(current, wanted);
        if (ops.length === 0) {
          return {
            ok: true,
            link: { ...link, etag: version, source: JSON.stringify(current) },
            conflicts,
            requests: http.requests(),
          };
        }
        try {
          const patched = await this.call(
            ctx,
            http.fetch,
            'PATCH',
            `${base(settings)}/${link.href}`,
            {
              body: JSON.stringify(ops),
              contentType: 'application/json-patch+json',
              ifMatch: version ? `W/"${version}"` : undefined,
            },
          );
          const resource = patched.body as Appointment;
          return {
            ok: true,
            link: {
              ...link,
              etag: resource.meta?.versionId ?? null,
              source: JSON.stringify(resource),
            },
            conflicts,
            requests: http.requests(),
          };
        } catch (e: unknown) {
          // 412: changed at the EHR since Turnout read it; read it again and apply again.
          if (!(e instanceof StoreError) || e.statusCode !== 412 || conflicts >= MAX_CONFLICTS)
            throw e;
          conflicts += 1;
          current = null;
        }
      }
    } catch (e: unknown) {
      if (e instanceof StoreError) {
        return {
          ok: false,
          statusCode: e.statusCode,
          error: e.message,
          retryAt: e.retryAt,
          requests: http.requests(),
        };
      }
      return { ok: false, statusCode: null, error: errorText(e), requests: http.requests() };
    }
  }

  /** One FHIR call, authorised; a non-2xx answer is a StoreError with its OperationOutcome. */
  private async call(
    ctx: StoreContext,
    fetcher: typeof fetch,
    method: string,
    url: string,
    opts: { body?: string; contentType?: string; ifMatch?: string } = {},
  ): Promise<{ body: unknown }> {
    const settings = ctx.settings as FhirStoreSettings;
    for (let attempt = 0; ; attempt += 1) {
      const headers: Record<string, string> = {
        accept: FHIR_JSON,
        authorization: `Bearer ${await this.bearer(ctx, settings, fetcher)}`,
      };
      if (opts.contentType) headers['content-type'] = opts.contentType;
      if (opts.ifMatch) headers['if-match'] = opts.ifMatch;
      const res = await fetcher(url, { method, headers, body: opts.body });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      if (res.ok) return { body };
      // An expired or revoked token: one fresh token, then the answer stands.
      if (res.status === 401 && settings.auth.type === 'smart-backend' && attempt === 0) {
        this.tokens.forget(ctx.clinicId);
        continue;
      }
      const at =
        res.status === 429 || res.status === 503
          ? retryAfter(res.headers.get('retry-after'), this.clock.now())
          : null;
      throw new StoreError(
        res.status,
        `${method} ${new URL(url).pathname} answered ${res.status}: ${outcomeText(body, typeof text === 'string' ? text.slice(0, 300) : '')}`,
        at ?? undefined,
      );
    }
  }

  private async bearer(ctx: StoreContext, settings: FhirStoreSettings, fetcher: typeof fetch) {
    if (settings.auth.type === 'bearer') return ctx.secret.token ?? '';
    return this.tokens.token(ctx.clinicId, settings.auth, ctx.secret, fetcher);
  }
}

const same = (a: string | undefined, b: string | undefined) =>
  a === b || (!!a && !!b && Date.parse(a) === Date.parse(b));

/**
 * When the Appointment re-read after a 412 has a start or end other than the one Turnout knew
 * (the EHR moved it meanwhile) and other than Turnout's: what stands and what was dropped.
 */
function ehrMoved(
  current: Appointment,
  known: { start?: string; end?: string },
  wanted: { startsAt: string; endsAt: string },
): CalendarKept | null {
  if (!current.start) return null;
  const unchanged =
    same(current.start, known.start) && (!known.end || same(current.end, known.end));
  if (unchanged) return null;
  if (same(current.start, wanted.startsAt) && same(current.end, wanted.endsAt)) return null;
  return {
    wanted: { startsAt: wanted.startsAt, endsAt: wanted.endsAt },
    calendar: {
      startsAt: new Date(current.start).toISOString(),
      endsAt: current.end ? new Date(current.end).toISOString() : current.start,
    },
  };
}

const base = (s: FhirStoreSettings) => s.baseUrl.replace(/\/+$/, '');
