import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { importJWK, jwtVerify, type JWK } from 'jose';

type Json = Record<string, unknown>;
interface Stored {
  resource: Json & {
    resourceType: string;
    id: string;
    meta: { versionId: string; lastUpdated: string };
  };
}

/** A scripted answer for the next matching request (the store's bad day). */
export interface Scripted {
  status: number;
  retryAfter?: string;
  outcome?: string;
}

const OUTCOME = (code: string, diagnostics: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code, diagnostics }],
});

/**
 * A FHIR R4 server for specs and benches, enforcing the REST rules in README.md: versioned
 * resources, search with paging and _include, JSON Patch with If-Match, OperationOutcome
 * errors, bearer tokens from a SMART Backend Services token endpoint.
 */
export class FhirTestServer {
  private server?: Server;
  private readonly store = new Map<string, Stored>();
  /** resources deleted outright: a read of one is 410 Gone, no search returns it */
  private readonly deleted = new Set<string>();
  private readonly tokens = new Map<string, number>();
  private readonly usedJti = new Set<string>();
  private readonly clients = new Map<string, JWK>();
  private lastUpdatedMs = Date.parse('2026-11-01T00:00:00Z');
  private scripted: Scripted[] = [];
  /** every request, as method and path with query */
  readonly requests: string[] = [];
  /** a token accepted without the token endpoint (bearer auth) */
  staticToken = 'fhir-static-token';
  maxPageSize = 50;
  /** the server's clock (ms), for token expiry and JWT exp */
  now: () => number = () => Date.now();
  tokenLifetimeSeconds = 300;
  base = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        send(res, 500, OUTCOME('exception', e instanceof Error ? e.message : String(e)));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}/fhir/R4`;
    return this.base;
  }

  get tokenUrl(): string {
    return `${this.base.replace(/\/fhir\/R4$/, '')}/auth/token`;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }

  registerClient(clientId: string, publicJwk: JWK): void {
    this.clients.set(clientId, publicJwk);
  }

  /** The next FHIR calls (not the token endpoint) answer these, in order. */
  script(...answers: Scripted[]): void {
    this.scripted.push(...answers);
  }

  /** Creates or replaces a resource as the EHR itself would (a new version). */
  put(resource: Json & { resourceType: string; id?: string }): Stored['resource'] {
    const id = resource.id ?? randomUUID();
    const key = `${resource.resourceType}/${id}`;
    const previous = this.store.get(key);
    const version = previous ? Number(previous.resource.meta.versionId) + 1 : 1;
    const stored = {
      ...resource,
      id,
      meta: { versionId: String(version), lastUpdated: this.nextLastUpdated() },
    } as Stored['resource'];
    this.store.set(key, { resource: stored });
    return stored;
  }

  /** Deletes a resource outright, as the EHR itself would (R4 `delete`). */
  delete(key: string): void {
    if (this.store.delete(key)) this.deleted.add(key);
  }

  get(key: string): Stored['resource'] | undefined {
    return this.store.get(key)?.resource;
  }

  private nextLastUpdated(): string {
    // strictly increasing, so `_lastUpdated=gt` never misses or repeats a write
    this.lastUpdatedMs = Math.max(this.lastUpdatedMs + 1, this.now());
    return new Date(this.lastUpdatedMs).toISOString();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    if (url.pathname === '/auth/token') return this.token(req, body, res);
    if (!url.pathname.startsWith('/fhir/R4/'))
      return send(res, 404, OUTCOME('not-found', 'no such path'));
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^Bearer /, '');
    const until = this.tokens.get(token);
    if (token !== this.staticToken && !(until && until > this.now())) {
      return send(res, 401, OUTCOME('login', 'missing, unknown or expired bearer token'));
    }
    const scripted = this.scripted.shift();
    if (scripted) {
      const headers: Record<string, string> = scripted.retryAfter
        ? { 'retry-after': scripted.retryAfter }
        : {};
      return send(
        res,
        scripted.status,
        OUTCOME('transient', scripted.outcome ?? `scripted ${scripted.status}`),
        headers,
      );
    }
    const [type, id] = url.pathname.slice('/fhir/R4/'.length).split('/');
    if (type !== 'Appointment' && !id)
      return send(res, 404, OUTCOME('not-supported', `no search on ${type}`));
    if (req.method === 'GET' && !id) return this.search(url, res);
    if (req.method === 'POST' && !id) return this.create(type, req, body, res);
    const stored = this.store.get(`${type}/${id}`);
    if (req.method === 'DELETE') {
      // R4 delete: 204 whether or not it existed; a later read of it is 410 Gone
      this.delete(`${type}/${id}`);
      res.writeHead(204).end();
      return;
    }
    if (!stored && this.deleted.has(`${type}/${id}`))
      return send(res, 410, OUTCOME('deleted', `${type}/${id} was deleted`));
    if (!stored) return send(res, 404, OUTCOME('not-found', `${type}/${id} is not known`));
    if (req.method === 'GET') return send(res, 200, stored.resource, etag(stored));
    if (req.method === 'PATCH') return this.patch(req, body, stored, res);
    return send(res, 405, OUTCOME('not-supported', `${req.method} is not supported here`));
  }

  private search(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const offset = Number(q.get('_offset') ?? 0);
    const count = Math.min(Number(q.get('_count') ?? this.maxPageSize), this.maxPageSize);
    const date = q.get('date');
    const lastUpdated = q.get('_lastUpdated');
    // _id: a token parameter; a comma-separated list is any of them (R4 search, "OR")
    const ids = q.has('_id') ? new Set(q.getAll('_id').flatMap((v) => v.split(','))) : null;
    const matches = [...this.store.values()]
      .map((s) => s.resource)
      .filter((r) => r.resourceType === 'Appointment')
      .filter((r) => !ids || ids.has(r.id))
      .filter((r) => !date || compare(typeof r.start === 'string' ? r.start : '', date))
      .filter((r) => !lastUpdated || compare(r.meta.lastUpdated, lastUpdated))
      .sort(
        (a, b) => a.meta.lastUpdated.localeCompare(b.meta.lastUpdated) || a.id.localeCompare(b.id),
      );
    const page = matches.slice(offset, offset + count);
    const includes = new Map<string, Json>();
    const wanted = q.getAll('_include');
    for (const a of page) {
      for (const p of (a.participant as { actor?: { reference?: string } }[] | undefined) ?? []) {
        const ref = p.actor?.reference;
        const type = ref?.split('/')[0];
        if (!ref || !wanted.includes(`Appointment:${type?.toLowerCase()}`)) continue;
        const included = this.store.get(ref);
        if (included) includes.set(ref, included.resource);
      }
    }
    const link = [{ relation: 'self', url: `${this.base}/Appointment${url.search}` }];
    if (offset + count < matches.length) {
      const next = new URLSearchParams(q);
      next.set('_offset', String(offset + count));
      link.push({ relation: 'next', url: `${this.base}/Appointment?${next.toString()}` });
    }
    send(res, 200, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link,
      entry: [
        ...page.map((r) => ({
          fullUrl: `${this.base}/Appointment/${r.id}`,
          resource: r,
          search: { mode: 'match' },
        })),
        ...[...includes.values()].map((r) => ({ resource: r, search: { mode: 'include' } })),
      ],
    });
  }

  private create(type: string, req: IncomingMessage, body: string, res: ServerResponse): void {
    if (!/^application\/fhir\+json/.test(req.headers['content-type'] ?? '')) {
      return send(res, 415, OUTCOME('not-supported', 'POST takes application/fhir+json'));
    }
    const resource = JSON.parse(body) as Json;
    if (resource.resourceType !== type)
      return send(res, 400, OUTCOME('invalid', 'resourceType does not match the URL'));
    if (type === 'Appointment' && (!resource.status || !Array.isArray(resource.participant))) {
      return send(res, 422, OUTCOME('required', 'Appointment.status and participant are required'));
    }
    const stored = this.put({ ...resource, id: undefined, resourceType: type });
    send(res, 201, stored, {
      ...etag({ resource: stored }),
      location: `${this.base}/${type}/${stored.id}/_history/1`,
    });
  }

  private patch(req: IncomingMessage, body: string, stored: Stored, res: ServerResponse): void {
    if (req.headers['content-type'] !== 'application/json-patch+json') {
      return send(res, 415, OUTCOME('not-supported', 'PATCH takes application/json-patch+json'));
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== `W/"${stored.resource.meta.versionId}"`) {
      return send(
        res,
        412,
        OUTCOME('conflict', `version ${stored.resource.meta.versionId} is current, not ${ifMatch}`),
      );
    }
    let patched: Json;
    try {
      patched = applyJsonPatch(structuredClone(stored.resource), JSON.parse(body) as PatchOp[]);
    } catch (e: unknown) {
      return send(res, 422, OUTCOME('processing', e instanceof Error ? e.message : String(e)));
    }
    if (
      patched.id !== stored.resource.id ||
      patched.resourceType !== stored.resource.resourceType
    ) {
      return send(res, 422, OUTCOME('processing', 'a patch may not change id or resourceType'));
    }
    const next = this.put(patched as Stored['resource']);
    send(res, 200, next, etag({ resource: next }));
  }

  private async token(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const refuse = (error: string, description: string) =>
      send(res, error === 'invalid_request' ? 400 : 401, { error, error_description: description });
    if (
      req.method !== 'POST' ||
      !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')
    ) {
      return refuse('invalid_request', 'POST a form');
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials')
      return refuse('invalid_request', 'grant_type must be client_credentials');
    if (
      form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    ) {
      return refuse('invalid_request', 'client_assertion_type must be jwt-bearer');
    }
    const assertion = form.get('client_assertion') ?? '';
    const [headerPart] = assertion.split('.');
    let clientId: string | undefined;
    try {
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as {
        alg?: string;
      };
      const claims = JSON.parse(
        Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString(),
      ) as { iss?: string };
      clientId = claims.iss;
      const jwk = clientId ? this.clients.get(clientId) : undefined;
      if (!jwk) return refuse('invalid_client', 'unknown client');
      if (header.alg !== 'RS384' && header.alg !== 'ES384')
        return refuse('invalid_client', 'alg must be RS384 or ES384');
      const key = await importJWK(jwk, header.alg);
      const { payload } = await jwtVerify(assertion, key, {
        currentDate: new Date(this.now()),
        audience: this.tokenUrl,
        issuer: clientId,
        subject: clientId,
        algorithms: ['RS384', 'ES384'],
        requiredClaims: ['exp', 'jti'],
      });
      if (payload.exp! - Math.floor(this.now() / 1000) > 300)
        return refuse('invalid_client', 'exp more than 5 minutes ahead');
      if (this.usedJti.has(payload.jti!)) return refuse('invalid_client', 'jti already used');
      this.usedJti.add(payload.jti!);
    } catch (e: unknown) {
      return refuse('invalid_client', e instanceof Error ? e.message : String(e));
    }
    const token = randomUUID();
    this.tokens.set(token, this.now() + this.tokenLifetimeSeconds * 1000);
    send(res, 200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: this.tokenLifetimeSeconds,
      scope: form.get('scope'),
    });
  }
}

const etag = (s: Stored) => ({ etag: `W/"${s.resource.meta.versionId}"` });

/** FHIR date search prefixes on instants: ge, gt, le, lt, eq (none: eq). */
function compare(value: string, param: string): boolean {
  const m = /^(ge|gt|le|lt|eq)?(.+)$/.exec(param)!;
  const a = Date.parse(value);
  const b = Date.parse(m[2]);
  if (Number.isNaN(a)) return false;
  switch (m[1]) {
    case 'ge':
      return a >= b;
    case 'gt':
      return a > b;
    case 'le':
      return a <= b;
    case 'lt':
      return a < b;
    default:
      return a === b;
  }
}

type PatchOp = { op: string; path: string; value?: unknown; from?: string };

/** RFC 6902 add, remove, replace, test (what FHIR PATCH needs of it); throws on a bad op. */
function applyJsonPatch(doc: Json, ops: PatchOp[]): Json {
  if (!Array.isArray(ops)) throw new Error('a JSON Patch is an array of operations');
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`bad path ${op.path}`);
    let parent: unknown = doc;
    for (const p of parts) {
      parent = (parent as Record<string, unknown>)?.[p];
      if (parent === undefined) throw new Error(`path ${op.path} does not exist`);
    }
    const arr = Array.isArray(parent) ? (parent as unknown[]) : null;
    const obj = parent as Record<string, unknown>;
    const exists = arr ? Number(last) < arr.length : last in obj;
    switch (op.op) {
      case 'add':
        if (arr) arr.splice(last === '-' ? arr.length : Number(last), 0, op.value);
        else obj[last] = op.value;
        break;
      case 'replace':
        if (!exists) throw new Error(`replace: ${op.path} does not exist`);
        if (arr) arr[Number(last)] = op.value;
        else obj[last] = op.value;
        break;
      case 'remove':
        if (!exists) throw new Error(`remove: ${op.path} does not exist`);
        if (arr) arr.splice(Number(last), 1);
        else delete obj[last];
        break;
      case 'test': {
        const current = arr ? arr[Number(last)] : obj[last];
        if (JSON.stringify(current) !== JSON.stringify(op.value)) {
          throw new Error(`test failed at ${op.path}`);
        }
        break;
      }
      default:
        throw new Error(`op ${op.op} is not supported`);
    }
  }
  return doc;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type':
      status < 300 && !('access_token' in (body as Json))
        ? 'application/fhir+json'
        : 'application/json',
    ...headers,
  });
  res.end(json);
}
