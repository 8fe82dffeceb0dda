// `npm run test:browser`: the specs that drive the console in Chromium, alone; fails when no
// Chromium is found (CHROMIUM, or the usual system paths).
const { toolConfig } = require('./test/support/external-tools');

module.exports = toolConfig(require('./jest.config'), 'Chromium');
