import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * The layering rule, read from every import in src: which folder may import which, and no
 * import cycle between files. A folder imports its own files freely; `wires` may be imported
 * only by the folder's `*.module.ts`, to bring in the module that implements a port it owns.
 */
interface Layer {
  rule: string;
  may: string[];
  wires?: string[];
}

const LAYERS: Record<string, Layer> = {
  // The base: no product noun, so no domain folder.
  config: { rule: 'settings read and checked once at startup; imports nothing', may: [] },
  common: {
    rule: 'clock, crypto, due work, errors, phone, time: no domain folder',
    may: ['config', 'logging'],
  },
  logging: { rule: 'the root logger and log helpers', may: ['common', 'config'] },
  startup: {
    rule: 'opening the database and reporting why start-up failed',
    may: ['config', 'database'],
  },
  database: {
    rule: 'connection, migrations, SQL helpers; registers the two entities',
    may: ['auth', 'clinics', 'common', 'config', 'logging', 'startup'],
  },
  metrics: { rule: 'Prometheus metrics and the /metrics route', may: ['auth', 'common', 'config'] },
  health: { rule: 'the health route', may: ['common', 'database'] },
  auth: {
    rule: 'API keys and console sessions, resolved to a clinic',
    may: ['clinics', 'common', 'config'],
  },
  // The product, each folder a Nest module.
  clinics: {
    rule: 'clinic settings and credentials',
    may: ['auth', 'common', 'config', 'database', 'messaging'],
    wires: ['reminders'],
  },
  patients: {
    rule: 'patients and the consent ledger',
    may: ['auth', 'clinics', 'common', 'database'],
  },
  messaging: {
    rule: 'provider adapters, templates, segments, the message log',
    may: ['common', 'config', 'database', 'metrics'],
  },
  appointments: {
    rule: 'the appointment workflow (machine, import, staff changes); owns CalendarEvents',
    may: [
      'auth',
      'clinics',
      'common',
      'config',
      'database',
      'messaging',
      'patients',
      'reminders',
      'risk',
    ],
    wires: ['calendar'],
  },
  slots: {
    rule: 'open slots and holds',
    may: ['appointments', 'auth', 'clinics', 'common', 'database'],
  },
  reminders: {
    rule: 'the reminder plan of an appointment; owns ReminderVariants',
    may: ['appointments', 'clinics', 'common', 'outbound', 'risk'],
    wires: ['experiments'],
  },
  risk: {
    rule: 'the no-show risk model, its scores on upcoming appointments and the call list',
    may: ['appointments', 'auth', 'clinics', 'common', 'config', 'database', 'reminders'],
  },
  experiments: {
    rule: 'wording and timing experiments and their statistics; implements ReminderVariants',
    may: ['auth', 'clinics', 'common', 'config', 'database', 'messaging', 'reminders'],
  },
  calendar: {
    rule: 'write-back to the clinic calendar; implements appointments/CalendarEvents',
    may: ['appointments', 'auth', 'clinics', 'common', 'config', 'database', 'metrics'],
  },
  outbound: {
    rule: 'every text out: claim, send, record',
    may: ['appointments', 'common', 'config', 'database', 'messaging', 'metrics', 'patients'],
  },
  conversations: {
    rule: 'what a reply means and does, consent keywords, the staff inbox; owns the reply port',
    may: [
      'appointments',
      'auth',
      'clinics',
      'common',
      'config',
      'database',
      'messaging',
      'outbound',
      'patients',
      'slots',
    ],
    wires: ['surveys'],
  },
  surveys: {
    rule: 'visit surveys: asked as due work, answered through the reply port, reported',
    may: [
      'auth',
      'clinics',
      'common',
      'config',
      'conversations',
      'database',
      'messaging',
      'outbound',
      'reports',
    ],
  },
  broadcasts: {
    rule: "a text to a day's patients, optionally cancelling their visits",
    may: [
      'appointments',
      'auth',
      'clinics',
      'common',
      'config',
      'database',
      'messaging',
      'outbound',
    ],
  },
  webhooks: {
    rule: 'provider webhooks in, stored and settled; hands texts to conversations',
    may: [
      'clinics',
      'common',
      'config',
      'conversations',
      'database',
      'logging',
      'messaging',
      'metrics',
      'outbound',
      'patients',
    ],
    wires: ['simulator'],
  },
  simulator: {
    rule: 'the fake provider: texts in through the webhook inbox',
    may: ['auth', 'clinics', 'common', 'messaging', 'webhooks'],
  },
  reports: {
    rule: 'the no-show report and its rollup',
    may: ['auth', 'clinics', 'common', 'config'],
  },
  console: {
    rule: 'the staff console and its sign-in',
    may: ['auth', 'clinics', 'common', 'config'],
  },
  demo: { rule: 'the demo story, a client of the HTTP API', may: ['common', 'config', 'startup'] },
};

/** Files directly in src: the entry points and the root module assemble everything. */
const ROOT = '.';
/** Outside src, only the defaults that are data (templates, reply words) may be imported. */
const DATA_DIR = 'config';

const SRC = resolve(__dirname);

interface Import {
  /** both relative to src, with '/' */
  from: string;
  to: string;
}

function folderOf(file: string): string {
  return file.includes('/') ? file.split('/')[0] : ROOT;
}

/** What breaks the rule, one line each: the importing file, the imported one, the rule. */
function violations(imports: Import[], layers: Record<string, Layer>): string[] {
  const found: string[] = [];
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b || a === ROOT) continue;
    if (to.startsWith('../')) {
      // a spec may use the test support (a generator, say); code reads only data from outside
      if (
        !to.startsWith(`../${DATA_DIR}/`) &&
        !(from.endsWith('.spec.ts') && to.startsWith('../test/'))
      ) {
        found.push(`src/${from} imports ${to.slice(3)}: outside src only ${DATA_DIR}/ (data)`);
      }
      continue;
    }
    const layer = layers[a];
    if (!layer) {
      found.push(`src/${from} imports src/${to}: src/${a}/ has no row in the layering table`);
    } else if (layer.wires?.includes(b)) {
      if (!from.endsWith('.module.ts')) {
        found.push(
          `src/${from} imports src/${to}: only ${a}/*.module.ts may import ${b}/ ` +
            `(to wire it in; ${a}: ${layer.rule})`,
        );
      }
    } else if (!layer.may.includes(b)) {
      const may = layer.may.length > 0 ? layer.may.join(', ') : 'nothing';
      found.push(`src/${from} imports src/${to}: ${a}/ may import ${may} (${a}: ${layer.rule})`);
    }
  }
  return found;
}

/** Every import cycle between files, each as the files around it (first repeated last). */
function cycles(imports: Import[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const { from, to } of imports) {
    if (!edges.has(from)) edges.set(from, []);
    edges.get(from)!.push(to);
  }
  // Tarjan's strongly connected components; a component of two files or more holds a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfImport = (edges.get(v) ?? []).includes(v);
    if (component.length > 1 || selfImport) components.push(component);
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return components.map((component) => cycleThrough(component, edges));
}

/** One cycle inside a strongly connected component, from its first file back to it. */
function cycleThrough(component: string[], edges: Map<string, string[]>): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return component;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import (type-only, dynamic and require included) of the files in src. */
function importsOfSrc(): Import[] {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const name = (path: string) => relative(SRC, path).split(sep).join('/');
  const imports: Import[] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package
      const target = resolve(dirname(file), fileName);
      const resolved = target.startsWith(SRC + sep)
        ? [`${target}.ts`, join(target, 'index.ts'), target].find((c) => known.has(c))
        : target;
      imports.push({ from: name(file), to: name(resolved ?? target) });
    }
  }
  return imports;
}

describe('architecture', () => {
  const imports = importsOfSrc();

  it('reads the imports of src', () => {
    expect(imports.length).toBeGreaterThan(500);
  });

  it('keeps every import within the layering table', () => {
    expect(violations(imports, LAYERS)).toEqual([]);
  });

  it('has a row for every folder of src, and the base imports no domain folder', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !LAYERS[f])).toEqual([]);
    const base = new Set(['config', 'common', 'logging']);
    for (const name of ['config', 'common']) {
      expect(LAYERS[name].may.filter((f) => !base.has(f))).toEqual([]);
    }
  });

  it('has no import cycle between files', () => {
    expect(cycles(imports).map((c) => c.join(' -> '))).toEqual([]);
  });

  describe('its checks', () => {
    const table: Record<string, Layer> = {
      common: { rule: 'no domain folder', may: [] },
      calendar: { rule: 'write-back', may: ['appointments'] },
      appointments: { rule: 'workflow', may: ['common'], wires: ['calendar'] },
    };

    it('name the importing file, the imported file and the rule', () => {
      const found = violations(
        [
          { from: 'common/clock.ts', to: 'appointments/appointment.machine.ts' },
          { from: 'appointments/workflow.service.ts', to: 'calendar/calendar-outbox.ts' },
          { from: 'appointments/appointments.module.ts', to: 'calendar/calendar.module.ts' },
          { from: 'calendar/outbox.ts', to: 'appointments/calendar-events.port.ts' },
          { from: 'app.module.ts', to: 'calendar/calendar.module.ts' },
          { from: 'calendar/templates.ts', to: '../config/templates.json' },
          { from: 'calendar/fake.ts', to: '../test/support/fake.ts' },
          { from: 'reports/report.ts', to: 'common/clock.ts' },
        ],
        table,
      );
      expect(found).toEqual([
        'src/common/clock.ts imports src/appointments/appointment.machine.ts: ' +
          'common/ may import nothing (common: no domain folder)',
        'src/appointments/workflow.service.ts imports src/calendar/calendar-outbox.ts: ' +
          'only appointments/*.module.ts may import calendar/ (to wire it in; appointments: workflow)',
        'src/calendar/fake.ts imports test/support/fake.ts: outside src only config/ (data)',
        'src/reports/report.ts imports src/common/clock.ts: ' +
          'src/reports/ has no row in the layering table',
      ]);
    });

    it('find a cycle and name its files', () => {
      const found = cycles([
        { from: 'a.ts', to: 'b.ts' },
        { from: 'b.ts', to: 'c.ts' },
        { from: 'c.ts', to: 'a.ts' },
        { from: 'c.ts', to: 'd.ts' },
        { from: 'e.ts', to: 'e.ts' },
      ]);
      expect(found).toEqual([
        ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
        ['e.ts', 'e.ts'],
      ]);
    });
  });
});
