import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AppointmentStatus } from '../../appointments/appointment.machine';
import type { CalDavStoreSettings } from '../../clinics/calendar-store-settings';
import { Clock } from '../../common/clock/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { applyChange, mapCalDavEvent, newEvent, readIcsEvent } from './caldav-mapping';
import {
  CalendarStoreAdapter,
  StoreChange,
  CalendarKept,
  StoreContext,
  StoreError,
  StoreLink,
  StoreRead,
  StoreWrite,
} from './calendar-store.port';
import { countingFetch, errorText } from './store-http';

const ICS = 'text/calendar; charset=utf-8';
/** tsdav, loaded at the first CalDAV read or write, not at every start. */
const tsdav = () => import('tsdav');
/** Conflicts in a row before the write is left for the next attempt. */
const MAX_CONFLICTS = 3;

interface SyncedObject {
  href: string;
  status: number;
  etag: string | null;
  data: string | null;
}

/**
 * A CalDAV calendar (RFC 4791) read by sync-collection (RFC 6578: the first read is the
 * empty token, each later one asks only what changed since its token) and written by PUT with
 * If-Match on the ETag Turnout read; a booking is a new event (If-None-Match: *).
 */
@Injectable()
export class CalDavStore implements CalendarStoreAdapter {
  readonly type = 'caldav' as const;
  readonly linked = true;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async read(ctx: StoreContext, cursor: string | null): Promise<StoreRead> {
    const settings = ctx.settings as CalDavStoreSettings;
    const http = countingFetch(this.config.calendarTimeoutMs);
    let synced = await this.sync(settings, ctx, cursor, http.fetch);
    if (synced === 'token-expired') synced = await this.sync(settings, ctx, null, http.fetch);
    if (synced === 'token-expired')
      throw new StoreError(403, 'the server refused an empty sync token');
    const read: StoreRead = {
      mapped: [],
      unmapped: [],
      deleted: [],
      cursor: synced.token,
      requests: 0,
    };
    for (const o of synced.objects) {
      if (o.status === 404) {
        read.deleted.push(o.href);
        continue;
      }
      if (!o.data) continue;
      const mapped = mapCalDavEvent(o.data, o.href, ctx.timezone);
      if (mapped.kind === 'unmapped') read.unmapped.push(mapped.unmapped);
      else {
        read.mapped.push({
          externalId: mapped.item.externalId,
          href: o.href,
          etag: o.etag,
          source: o.data,
          item: mapped.item,
        });
      }
    }
    read.requests = http.requests();
    return read;
  }

  private async sync(
    settings: CalDavStoreSettings,
    ctx: StoreContext,
    token: string | null,
    fetcher: typeof fetch,
  ): Promise<{ token: string | null; objects: SyncedObject[] } | 'token-expired'> {
    const { syncCollection } = await tsdav();
    const responses = await syncCollection({
      url: collectionUrl(settings),
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      syncLevel: 1,
      syncToken: token ?? '',
      headers: { ...(await this.auth(settings, ctx)), depth: '1' },
      fetch: fetcher,
    });
    const first = responses[0] as { raw?: unknown; status?: number; ok?: boolean } | undefined;
    const multistatus = (first?.raw as { multistatus?: { syncToken?: unknown } } | undefined)
      ?.multistatus;
    if (!multistatus) {
      const status = first?.status ?? null;
      // RFC 6578 3.2: a token the server no longer knows is refused (403/409 valid-sync-token).
      if (token && (status === 403 || status === 409)) return 'token-expired';
      throw new StoreError(status, `sync-collection answered ${status}: ${rawText(first?.raw)}`);
    }
    const objects: SyncedObject[] = [];
    for (const r of responses) {
      if (!r.href) continue;
      const props = (r.props ?? {}) as { getetag?: unknown; calendarData?: unknown };
      const data = props.calendarData;
      objects.push({
        href: absolute(settings.url, r.href),
        status: r.status ?? 200,
        etag: scalar(props.getetag),
        data: typeof data === 'string' ? data : data ? textOf(data) : null,
      });
    }
    const next = multistatus.syncToken;
    return { token: scalar(next), objects };
  }

  async write(ctx: StoreContext, change: StoreChange, link: StoreLink | null): Promise<StoreWrite> {
    const settings = ctx.settings as CalDavStoreSettings;
    const http = countingFetch(this.config.calendarTimeoutMs);
    const { createObject, updateObject } = await tsdav();
    const headers = { ...(await this.auth(settings, ctx)), 'content-type': ICS };
    const a = change.appointment;
    const wanted = {
      status: a.status as AppointmentStatus,
      startsAt: new Date(a.startsAt),
      endsAt: new Date(a.endsAt),
      moved: change.type === 'appointment.rescheduled',
    };
    try {
      if (!link) {
        const href = `${collectionUrl(settings)}${encodeURIComponent(a.externalId || randomUUID())}.ics`;
        const data = newEvent(
          {
            ...wanted,
            externalId: a.externalId,
            patient: a.patient,
            practitioner: a.practitioner,
            location: a.location,
            type: a.type,
          },
          ctx.timezone,
          this.clock.now(),
        );
        const res = await createObject({
          url: href,
          data,
          headers: { ...headers, 'if-none-match': '*' },
          fetch: http.fetch,
        });
        if (!res.ok) return failed(res, await res.text(), http.requests());
        return {
          ok: true,
          link: { externalId: a.externalId, href, etag: res.headers.get('etag'), source: data },
          conflicts: 0,
          requests: http.requests(),
        };
      }
      let current = { etag: link.etag, source: link.source };
      const known = timeOf(link, ctx.timezone);
      let conflicts = 0;
      for (;;) {
        if (current.source === null) current = await this.get(link.href, headers, http.fetch);
        const kept =
          conflicts > 0 &&
          wanted.moved &&
          calendarMoved(current.source!, known, wanted, ctx.timezone);
        if (kept) {
          // The calendar moved it too since Turnout read it: its time stands, Turnout's is dropped.
          return {
            ok: true,
            link: { ...link, etag: current.etag, source: current.source },
            conflicts,
            requests: http.requests(),
            calendarKept: kept,
          };
        }
        const edited = applyChange(current.source!, wanted, ctx.timezone);
        if (edited === null) {
          return {
            ok: true,
            link: { ...link, etag: current.etag, source: current.source },
            conflicts,
            requests: http.requests(),
          };
        }
        const res = await updateObject({
          url: link.href,
          data: edited,
          etag: current.etag ?? undefined,
          headers,
          fetch: http.fetch,
        });
        if (res.ok) {
          return {
            ok: true,
            link: { ...link, etag: res.headers.get('etag'), source: edited },
            conflicts,
            requests: http.requests(),
          };
        }
        // 412: edited in the calendar since Turnout read it; re-read it and apply the change again.
        if (res.status !== 412 || conflicts >= MAX_CONFLICTS) {
          return failed(res, await res.text(), http.requests());
        }
        conflicts += 1;
        await res.text();
        current = { etag: null, source: null };
      }
    } catch (e: unknown) {
      if (e instanceof StoreError)
        return { ok: false, statusCode: e.statusCode, error: e.message, requests: http.requests() };
      return { ok: false, statusCode: null, error: errorText(e), requests: http.requests() };
    }
  }

  private async get(
    href: string,
    headers: Record<string, string>,
    fetcher: typeof fetch,
  ): Promise<{ etag: string | null; source: string }> {
    const res = await fetcher(href, { method: 'GET', headers });
    const body = await res.text();
    if (!res.ok)
      throw new StoreError(res.status, `GET ${href} answered ${res.status}: ${body.slice(0, 200)}`);
    return { etag: res.headers.get('etag'), source: body };
  }

  private async auth(
    settings: CalDavStoreSettings,
    ctx: StoreContext,
  ): Promise<Record<string, string>> {
    if (!settings.username) return {};
    const { getBasicAuthHeaders } = await tsdav();
    return getBasicAuthHeaders({
      username: settings.username,
      password: ctx.secret.password ?? '',
    });
  }
}

/** The time Turnout last knew of the event: the version it read or wrote. */
function timeOf(link: StoreLink, zone: string): { start: number; end: number } {
  const read = link.source ? readIcsEvent(link.source, zone) : null;
  const start = read?.start?.getTime() ?? Date.parse(link.item.startsAt);
  const end = read?.end?.getTime() ?? start + link.item.durationMinutes * 60_000;
  return { start, end };
}

/**
 * When the event re-read after a 412 has a time other than the one Turnout knew (the calendar
 * moved it meanwhile) and other than Turnout's: what stands and what was dropped.
 */
function calendarMoved(
  ics: string,
  known: { start: number; end: number },
  wanted: { startsAt: Date; endsAt: Date },
  zone: string,
): CalendarKept | null {
  const now = readIcsEvent(ics, zone);
  if (!now.start) return null;
  const start = now.start.getTime();
  const end = now.end?.getTime() ?? start;
  if (start === known.start && end === known.end) return null;
  if (start === wanted.startsAt.getTime() && end === wanted.endsAt.getTime()) return null;
  return {
    wanted: { startsAt: wanted.startsAt.toISOString(), endsAt: wanted.endsAt.toISOString() },
    calendar: { startsAt: new Date(start).toISOString(), endsAt: new Date(end).toISOString() },
  };
}

function failed(res: Response, body: string, requests: number): StoreWrite {
  return {
    ok: false,
    statusCode: res.status,
    error: `calendar says ${res.status}: ${body.slice(0, 300)}`.trim(),
    requests,
  };
}

const collectionUrl = (s: CalDavStoreSettings) => (s.url.endsWith('/') ? s.url : `${s.url}/`);

function absolute(base: string, href: string): string {
  return new URL(href, base).toString();
}

/** An XML text value as the parser gave it (it turns numeric-looking text into numbers). */
function scalar(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function textOf(value: unknown): string | null {
  if (typeof value !== 'object' || !value) return null;
  const v = value as { _cdata?: unknown; _text?: unknown };
  return scalar(v._cdata) ?? scalar(v._text);
}

function rawText(raw: unknown): string {
  return (typeof raw === 'string' ? raw : JSON.stringify(raw ?? '')).slice(0, 300);
}
