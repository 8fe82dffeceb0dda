import type { Response } from 'supertest';
import { nullableReferences } from '../../src/common/openapi/nullable-references';
import { OpenApiChecker } from '../support/openapi-checker';

/**
 * The response check every e2e spec runs (test-app.ts) is as strict as Stoplight Prism's
 * validating proxy under OpenAPI 3.0.3: it must refuse what Prism refuses, or a drift between
 * the document and the code passes silently (as `patient.consent: null` once did).
 */
type Doc = ConstructorParameters<typeof OpenApiChecker>[0];

const THING = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
};

/** One route, GET /things/{id}, answering 200 with `schema`. */
function docWith(schema: Record<string, unknown>, things: Record<string, unknown> = THING): Doc {
  return {
    openapi: '3.0.0',
    paths: {
      '/things/{id}': {
        get: {
          responses: { '200': { content: { 'application/json': { schema } } } },
        },
      },
    },
    components: { schemas: { Thing: things } },
  } as unknown as Doc;
}

const ok = (body: unknown) =>
  ({ status: 200, headers: { 'content-type': 'application/json' }, body }) as unknown as Response;

const problemOf = (doc: Doc, body: unknown) =>
  new OpenApiChecker(doc).problem('get', '/things/42', ok(body));

/** As @nestjs/swagger emits `@ApiProperty({ type: Thing, nullable: true })`. */
const NEST_NULLABLE_REF = {
  nullable: true,
  type: 'object',
  allOf: [{ $ref: '#/components/schemas/Thing' }],
};

const VIEW = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    email: { type: 'string', format: 'email' },
    link: { type: 'string', format: 'uri' },
    name: { type: 'string' },
    maybe: { type: 'string', nullable: true },
    count: { type: 'integer' },
    kind: { type: 'string', enum: ['a', 'b'], nullable: true },
    strictKind: { type: 'string', enum: ['a', 'b'] },
    thing: NEST_NULLABLE_REF,
    optional: { type: 'string' },
  },
  required: ['id', 'at', 'day', 'email', 'link', 'name', 'maybe', 'count', 'kind', 'thing'],
};

const GOOD = {
  id: '0192f3a4-1b2c-7d3e-8f40-123456789abc',
  at: '2026-12-06T18:09:48.000Z',
  day: '2026-12-06',
  email: 'rosa@clinic.example',
  link: 'https://pms.example/turnout-events',
  name: 'Ana',
  maybe: null,
  count: 3,
  kind: null,
  strictKind: 'a',
  thing: { name: 'x' },
};

describe('the OpenAPI response check', () => {
  it('accepts a body as documented (null only where `nullable` sits beside a `type`)', () => {
    expect(problemOf(docWith(VIEW), GOOD)).toBeUndefined();
    expect(problemOf(docWith(VIEW), { ...GOOD, maybe: 'text', kind: 'b' })).toBeUndefined();
  });

  it('refuses null where the schema does not allow it', () => {
    expect(problemOf(docWith(VIEW), { ...GOOD, name: null })).toMatch(/name must be string/);
    expect(problemOf(docWith(VIEW), { ...GOOD, strictKind: null })).toMatch(/strictKind/);
    // Nest's `nullable` beside `allOf`: under 3.0.3, as Prism reads it, the referenced object
    // still applies and refuses null: the case Prism flagged on `patient.consent`.
    expect(problemOf(docWith(VIEW), { ...GOOD, thing: null })).toMatch(/thing/);
    // ...while the same document after openApiDocument's rewrite admits it (and still checks
    // a present object against the reference).
    const rewritten = nullableReferences(docWith(VIEW) as never) as unknown as Doc;
    expect(problemOf(rewritten, { ...GOOD, thing: null })).toBeUndefined();
    expect(problemOf(rewritten, { ...GOOD, thing: { name: 1 } })).toMatch(/thing/);
  });

  it('refuses a value of the wrong format', () => {
    const cases: [string, unknown][] = [
      ['id', 'A-1001'],
      ['at', 'yesterday'],
      ['at', '2026-12-06 18:09'],
      ['day', '2026-02-30'],
      ['email', 'rosa at clinic'],
      ['link', 'not a uri'],
    ];
    for (const [field, value] of cases) {
      expect(problemOf(docWith(VIEW), { ...GOOD, [field]: value })).toMatch(
        new RegExp(`${field} must match format`),
      );
    }
  });

  it('refuses a missing required field, a wrong type and a value outside an enum', () => {
    const { at: _at, ...withoutAt } = GOOD;
    expect(problemOf(docWith(VIEW), withoutAt)).toMatch(/must have required property 'at'/);
    expect(problemOf(docWith(VIEW), { ...GOOD, count: 1.5 })).toMatch(/count must be integer/);
    expect(problemOf(docWith(VIEW), { ...GOOD, kind: 'c' })).toMatch(/kind/);
  });

  it('refuses undeclared fields only where the document says additionalProperties: false', () => {
    expect(problemOf(docWith(VIEW), { ...GOOD, extra: 1 })).toBeUndefined();
    const closed = docWith({ ...VIEW, additionalProperties: false });
    expect(problemOf(closed, { ...GOOD, extra: 1 })).toMatch(/additional properties/);
  });

  it('checks the committed document too: patient.consent null is declared, a bad date is not', () => {
    const checker = OpenApiChecker.fromRepository();
    const history = (consent: unknown) =>
      checker.problem(
        'get',
        '/v1/patients/%2B13125550123/consent',
        ok({ phone: '+13125550123', consent, events: [] }),
      );
    expect(history(null)).toBeUndefined();
    expect(
      history({ optedOut: true, since: '2026-12-06T18:00:00.000Z', source: 'staff', word: null }),
    ).toBeUndefined();
    expect(history({ optedOut: true, since: 'this morning', source: 'staff', word: null })).toMatch(
      /since must match format "date-time"/,
    );
    expect(history({ optedOut: true, since: '2026-12-06T18:00:00.000Z', source: 'staff' })).toMatch(
      /word/,
    );
  });
});
