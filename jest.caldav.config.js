// `npm run test:caldav`: the specs against a real CalDAV server (Debian's radicale), alone;
// fails when no radicale is found (RADICALE, or the usual system paths).
const { toolConfig } = require('./test/support/external-tools');

module.exports = toolConfig(require('./jest.config'), 'Radicale');
