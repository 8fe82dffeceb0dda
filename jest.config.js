// Unit specs live next to the code (src, *.spec.ts); e2e specs drive the HTTP app (test, *.e2e-spec.ts).
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testRegex: '(src/.*\\.spec\\.ts|test/.*\\.e2e-spec\\.ts)$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  // each spec file on its own database, copied from the one the global setup migrated
  testEnvironment: '<rootDir>/test/support/database-per-file.environment.js',
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  testTimeout: 60000,
};
