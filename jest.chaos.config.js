// `npm run test:chaos`: the chaos test alone (three processes killed under load, minutes), on the
// same global setup as `npm test`, which does not run it.
const base = require('./jest.config');

module.exports = {
  ...base,
  testRegex: 'test/.*\\.chaos-spec\\.ts$',
  testTimeout: 15 * 60_000,
};
