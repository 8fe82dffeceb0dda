import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';

type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };
type Route = { method: string; template: string; pattern: RegExp; operation: Operation };

const DOC_ID = 'openapi.json';

/**
 * An OpenAPI 3.0 Schema Object read as JSON Schema the way Stoplight Prism's validating proxy
 * reads it (@stoplight/http-spec, `keywords/nullable.ts`), which is what OpenAPI 3.0.3 says:
 * `nullable: true` adds null to the `type` of the schema it is declared on, and only when that
 * schema declares a `type` (an `enum` there gains null too). Anywhere else it adds nothing: beside
 * an `allOf` or `oneOf` of a reference, the referenced object still applies to null and refuses
 * it. Then ajv checks the rest as JSON Schema does: `required`, `type`, `enum`, `format` (ajv-formats:
 * date-time, date, uuid, email, uri...), `additionalProperties` where the document says so.
 */
export function asPrismReadsIt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asPrismReadsIt);
  if (typeof node !== 'object' || node === null) return node;
  const copy = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, asPrismReadsIt(v)] as const),
  ) as Record<string, unknown>;
  if (typeof copy.nullable !== 'boolean') return copy;
  const { nullable, ...schema } = copy;
  if (nullable && typeof schema.type === 'string') {
    schema.type = [schema.type, 'null'];
    if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
  }
  return schema;
}

/** JSON pointer escaping (RFC 6901) of one path segment. */
const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks a real response against the committed openapi.json: the status must be one the
 * operation documents, and a JSON body must match that status's schema. Every e2e spec's
 * requests go through it (test-app.ts), so the document cannot drift from the code.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(doc: { paths: Record<string, Record<string, Operation>> }) {
    addFormats(this.ajv);
    this.ajv.addSchema(asPrismReadsIt(doc) as object, DOC_ID);
    for (const [template, operations] of Object.entries(doc.paths)) {
      const source = template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      for (const [method, operation] of Object.entries(operations)) {
        this.routes.push({ method, template, pattern: new RegExp(`^${source}$`), operation });
      }
    }
  }

  static fromRepository(): OpenApiChecker {
    const file = join(__dirname, '..', '..', 'openapi.json');
    return new OpenApiChecker(JSON.parse(readFileSync(file, 'utf8')));
  }

  /** A description of the mismatch, or undefined when the response is as documented. */
  problem(method: string, url: string, res: Response): string | undefined {
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    // Paths the document does not describe (/docs, an unknown path's 404) are not checked.
    if (!route) return undefined;
    const where = `${method.toUpperCase()} ${route.template} answered ${res.status}`;
    const documented = route.operation.responses[String(res.status)];
    if (!documented) {
      return `${where}, a status openapi.json does not list (it lists ${Object.keys(route.operation.responses).join(', ')})`;
    }
    const contentType = String(res.headers['content-type'] ?? '');
    if (!contentType.includes('json')) return undefined;
    if (!documented.content?.['application/json']) {
      return `${where} with a JSON body, but openapi.json documents none for that status`;
    }
    const validate = this.validator(method, route.template, res.status);
    if (validate(res.body)) return undefined;
    return `${where}; the body does not match openapi.json: ${this.ajv.errorsText(validate.errors)}\nbody: ${JSON.stringify(res.body).slice(0, 500)}`;
  }

  private validator(method: string, template: string, status: number): ValidateFunction {
    const ref = `${DOC_ID}#/paths/${pointer(template)}/${method}/responses/${status}/content/${pointer('application/json')}/schema`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Wraps a supertest agent so that every response is checked against the document. */
export function checkedAgent<T extends object>(agent: T, checker: OpenApiChecker): T {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !METHODS.includes(property as (typeof METHODS)[number])) {
        return value;
      }
      return (url: string, ...rest: unknown[]) => {
        const test = (
          value as (...args: unknown[]) => { expect(fn: (res: Response) => void): unknown }
        ).call(target, url, ...rest);
        test.expect((res: Response) => {
          const problem = checker.problem(property as string, url, res);
          if (problem) throw new Error(`OpenAPI drift: ${problem}`);
        });
        return test;
      };
    },
  });
}
