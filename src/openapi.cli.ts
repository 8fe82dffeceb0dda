import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './config/app-config';
import { openApiDocument } from './common/openapi/openapi-document';

/**
 * `npm run openapi`: writes openapi.json from the code. Nest's preview mode builds the module
 * graph without instantiating providers, so no database is needed. test/operations/openapi.e2e-spec.ts
 * fails when the committed file differs from what this writes.
 */
async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_URL: 'postgres://unused@localhost/unused' });
  const app = await NestFactory.create(
    AppModule.forRoot({ ...config, databaseUrl: config.databaseUrl! }),
    { preview: true, logger: false, abortOnError: false },
  );
  writeFileSync('openapi.json', `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
  await app.close();
  console.log('wrote openapi.json');
}

void main();
