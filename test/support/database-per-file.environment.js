// Jest test environment: each spec file runs on its own database, copied from the template the
// global setup migrated (CREATE DATABASE ... TEMPLATE, no migrations per file) and dropped after.
// Without it a service process one spec starts would claim and dispatch other specs' clinics.
// Plain CommonJS: jest loads test environments before any transform.
const { randomBytes } = require('node:crypto');
const { TestEnvironment } = require('jest-environment-node');
const { Client } = require('pg');

/** Set by test/global-setup.mjs: the migrated database every file's copy starts from. */
const TEMPLATE_VARIABLE = 'TURNOUT_TEST_TEMPLATE_URL';

/** The server's maintenance database: CREATE/DROP DATABASE cannot run inside the template. */
async function onServer(templateUrl, sql) {
  const url = new URL(templateUrl);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.href });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * PostgreSQL refuses to copy a database someone is connected to (55006); that someone is another
 * jest run's global setup migrating the same template for a moment, so wait it out.
 */
async function copyTemplate(templateUrl, name, templateName) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await onServer(templateUrl, `CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
    } catch (err) {
      if (err.code !== '55006' || attempt === 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

class DatabasePerFileEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const templateUrl = process.env[TEMPLATE_VARIABLE];
    if (!templateUrl)
      throw new Error(`${TEMPLATE_VARIABLE} is unset: run jest with its global setup`);
    const template = new URL(templateUrl);
    const templateName = decodeURIComponent(template.pathname.slice(1));
    // Named after the template, so a leftover copy (a killed run) says whose it was; <= 63 bytes.
    this.databaseName = `${templateName.slice(0, 44)}_f${randomBytes(4).toString('hex')}`;
    await copyTemplate(templateUrl, this.databaseName, templateName);
    template.pathname = `/${this.databaseName}`;
    // The file's process.env and the worker's both: child processes a spec starts inherit it.
    this.global.process.env.DATABASE_URL = template.href;
    process.env.DATABASE_URL = template.href;
  }

  async teardown() {
    const templateUrl = process.env[TEMPLATE_VARIABLE];
    process.env.DATABASE_URL = templateUrl;
    if (this.databaseName) {
      // FORCE: a pool or a child process the spec left open must not keep the copy alive.
      await onServer(templateUrl, `DROP DATABASE IF EXISTS "${this.databaseName}" WITH (FORCE)`);
    }
    await super.teardown();
  }
}

module.exports = DatabasePerFileEnvironment;
