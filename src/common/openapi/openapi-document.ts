import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addSecuritySchemes } from './auth';
import { addSharedErrors } from './shared-errors';
import { nullableReferences } from './nullable-references';

/** The document served at /docs-json and written to openapi.json by `npm run openapi`. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = addSecuritySchemes(
    new DocumentBuilder()
      .setTitle('Turnout')
      .setDescription('Appointment reminders with two-way SMS: the public API, version 1')
      .setVersion('1'),
  ).build();
  // Explicit operationIds only: a generated `AppointmentsController_upsert` would change
  // whenever a method is renamed.
  return nullableReferences(
    addSharedErrors(
      SwaggerModule.createDocument(app, config, {
        operationIdFactory: (_controller, method) => method,
      }),
    ),
  );
}
