import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * `@ApiProperty({ type: SomeView, nullable: true })` comes out of @nestjs/swagger as
 * `{ nullable: true, type: 'object', allOf: [{ $ref }] }`. Under OpenAPI 3.0.3 that does not admit
 * null: `nullable` adds null to the `type` of its own schema only, and the `allOf` still applies
 * the referenced object's `type: object` to null, which refuses it; Stoplight Prism's validating
 * proxy reads it exactly so and flags every null such a field carries. Rewritten here, once, to
 * the form that means "the referenced object or null" to Prism, to 3.0 validators and to client
 * generators alike (openapi-typescript reads it as `SomeView | null`):
 * `{ anyOf: [{ $ref }, { type: 'object', nullable: true, enum: [null] }] }`, the other keywords
 * (description, example) kept.
 */
export function nullableReferences(doc: OpenAPIObject): OpenAPIObject {
  return rewrite(doc) as OpenAPIObject;
}

/** The schema that admits null and nothing else, in OpenAPI 3.0 terms. */
export const NULL_ONLY = { type: 'object', nullable: true, enum: [null] } as const;

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (typeof node !== 'object' || node === null) return node;
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v)]));
  const { nullable, type, allOf, ...rest } = copy as Record<string, unknown>;
  const isReference =
    nullable === true &&
    (type === undefined || type === 'object') &&
    Array.isArray(allOf) &&
    allOf.length === 1 &&
    typeof (allOf[0] as { $ref?: unknown }).$ref === 'string';
  if (!isReference) return copy;
  return { ...rest, anyOf: [allOf[0], NULL_ONLY] };
}
