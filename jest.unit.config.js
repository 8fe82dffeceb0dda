// `npm run test:unit`: the pure specs next to the code, no database, no global setup; seconds.
const base = require('./jest.config');

module.exports = {
  ...base,
  testRegex: 'src/.*\\.spec\\.ts$',
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
