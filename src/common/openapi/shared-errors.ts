import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Answers any route of the API or the webhooks can give whatever its controller says: 429 from
 * the rate limits (src/common/rate-limit) and 503 while the database is unreachable or when a
 * transaction met a concurrent change and was rolled back whole (the exception filter). Added to the document here, once, so a route added later carries them too.
 */
const SHARED = {
  '429': 'Too many requests from this API key or address; retry after `Retry-After` seconds',
  '503':
    'The database is unreachable (a restart, a failover), or a concurrent change to the same data rolled this request back whole (nothing written); retry after `Retry-After` seconds',
};

export function addSharedErrors(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/') && !path.startsWith('/webhooks/')) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      for (const [status, description] of Object.entries(SHARED)) {
        operation.responses[status] ??= {
          description,
          headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } },
          },
        };
      }
    }
  }
  return doc;
}
