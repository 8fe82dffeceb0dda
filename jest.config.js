// Unit specs live next to the code (src, *.spec.ts); e2e specs drive the HTTP app (test, *.e2e-spec.ts).
// Specs that need a tool beyond Node (a browser, a CalDAV server) run only where it is found;
// test/support/external-tools.js says which, and the run ends with a line naming what was left out.
const { missingTools, specPatterns } = require('./test/support/external-tools');

module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testRegex: '(src/.*\\.spec\\.ts|test/.*\\.e2e-spec\\.ts)$',
  testPathIgnorePatterns: ['/node_modules/', ...specPatterns(missingTools())],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  // each spec file on its own database, copied from the one the global setup migrated
  testEnvironment: '<rootDir>/test/support/database-per-file.environment.js',
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testTimeout: 60000,
};
