import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * openapi.json, the document client generators read: written by `npm run openapi`, equal to
 * what the app serves, valid OpenAPI 3, explicit about every operation. That every real
 * response of the e2e suite matches it is checked in test/support/openapi-checker.ts.
 */
type Operation = {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

const root = join(__dirname, '..', '..');
const committed = JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as Doc;
const operations = Object.entries(committed.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method, path, op })),
);
const find = (method: string, path: string) => committed.paths[path][method];

describe('openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is what the code documents (run npm run openapi after changing a route)', async () => {
    const served = await t.http.get('/docs-json').expect(200);
    expect(committed).toEqual(served.body);
  });

  it('is a valid OpenAPI 3 document', () => {
    // The validator is ESM-only; jest's CommonJS runtime cannot load it, node can.
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      import { readFileSync } from 'node:fs';
      const result = await new Validator().validate(JSON.parse(readFileSync('openapi.json', 'utf8')));
      process.stdout.write(JSON.stringify(result));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
    });
    expect(JSON.parse(out.toString())).toEqual({ valid: true });
  });

  it('names every operation explicitly (camelCase, unique) and summarises it', () => {
    const ids = operations.map(({ op }) => op.operationId);
    for (const { op } of operations) {
      expect(op.operationId).toMatch(/^[a-z][a-zA-Z]+$/);
      expect(op.summary?.length).toBeGreaterThan(10);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents POST /v1/appointments as 201 created and 200 updated', () => {
    const upsert = find('post', '/v1/appointments');
    expect(Object.keys(upsert.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '409', '413']),
    );
  });

  it('gives every error status the one error shape', () => {
    for (const { op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        expect(response.content?.['application/json'].schema.$ref).toBe(
          '#/components/schemas/ErrorResponse',
        );
      }
    }
  });

  it('tells the operator token from the clinic key', () => {
    const schemes = committed.components.securitySchemes;
    expect(schemes.operatorToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.clinicKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(find('post', '/v1/clinics').security).toEqual([{ operatorToken: [] }]);
    expect(find('get', '/v1/appointments/{id}').security).toEqual([{ clinicKey: [] }]);
  });

  it('describes the Telnyx and Flowroute bodies', () => {
    const body = (method: string, path: string) =>
      Object.values(find(method, path).requestBody!.content)[0].schema;
    expect(body('post', '/webhooks/telnyx')).toMatchObject({
      required: ['data'],
      properties: {
        data: {
          required: ['event_type', 'id', 'payload'],
          properties: { payload: { properties: { text: { type: 'string' } } } },
        },
      },
    });
    expect(body('post', '/webhooks/flowroute/{secret}/inbound')).toMatchObject({
      properties: {
        data: { properties: { attributes: { properties: { body: { type: 'string' } } } } },
      },
    });
    expect(body('post', '/webhooks/flowroute/{secret}/dlr')).toMatchObject({
      properties: {
        data: { properties: { attributes: { properties: { status_code: { type: 'string' } } } } },
      },
    });
  });
});
