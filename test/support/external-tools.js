// Tools some specs need beyond Node. Where a tool is not found its specs are left out of
// `npm test`, which ends with one line saying so and naming the script that runs them; that
// script, and CI (which sets each tool's `required` variable), fail instead when it is missing.
// Plain CommonJS: the jest configs load it before any transform.
const { accessSync, constants } = require('node:fs');

/** @type {import('./external-tools').ExternalTool[]} */
const TOOLS = [
  {
    name: 'Chromium',
    variable: 'CHROMIUM',
    paths: [
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/snap/bin/chromium',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ],
    specs: [
      'test/console/console-browser.e2e-spec.ts',
      'test/staff/staff-console-browser.e2e-spec.ts',
    ],
    script: 'npm run test:browser',
    required: 'REQUIRE_BROWSER',
  },
  {
    name: 'Radicale',
    variable: 'RADICALE',
    paths: ['/usr/bin/radicale', '/usr/local/bin/radicale'],
    // the specs that read and write a real CalDAV server
    specs: ['test/calendar/caldav-store.e2e-spec.ts'],
    script: 'npm run test:caldav',
    required: 'REQUIRE_CALDAV',
  },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tool's executable: its variable when set (and then only that), else the usual paths. */
function findTool(name) {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`no external tool named ${name}`);
  const chosen = process.env[tool.variable];
  if (chosen) return executable(chosen) ? chosen : undefined;
  return tool.paths.find(executable);
}

function notFound(tool) {
  return new Error(
    `${tool.name} not found (set ${tool.variable}, or install it at ${tool.paths[0]}): ` +
      `${tool.specs.join(', ')} cannot run`,
  );
}

/** Tools with specs that are not found here; throws for one whose `required` variable is set. */
function missingTools() {
  const missing = TOOLS.filter((tool) => tool.specs.length > 0 && !findTool(tool.name));
  const required = missing.find((tool) => process.env[tool.required]);
  if (required) throw notFound(required);
  return missing;
}

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Jest path patterns matching the tools' specs. */
function specPatterns(tools) {
  return tools.flatMap((tool) => tool.specs.map((spec) => `/${escape(spec)}$`));
}

/** The one line ending a run that left specs out, or undefined. */
function notRunLine(tools) {
  if (tools.length === 0) return undefined;
  const parts = tools.map(
    (t) =>
      `${t.specs.join(', ')} (no ${t.name} found; set ${t.variable} to its path), ` +
      `run them with \`${t.script}\``,
  );
  return `Not run: ${parts.join('; ')}`;
}

/** A jest config running only one tool's specs, failing when the tool is not found. */
function toolConfig(base, name) {
  const tool = TOOLS.find((t) => t.name === name);
  if (!findTool(name)) throw notFound(tool);
  return {
    ...base,
    testRegex: undefined,
    testMatch: tool.specs.map((spec) => `<rootDir>/${spec}`),
    testPathIgnorePatterns: ['/node_modules/'],
  };
}

module.exports = { TOOLS, findTool, missingTools, specPatterns, notRunLine, toolConfig };
