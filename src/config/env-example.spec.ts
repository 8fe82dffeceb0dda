import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// .env.example must list every variable loadConfig reads, with its default and meaning.
describe('.env.example', () => {
  const root = join(__dirname, '..', '..');
  const source = readFileSync(join(__dirname, 'app-config.ts'), 'utf8');
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const read = new Set(
    [...source.matchAll(/env\.([A-Z_]+)|\(env, '([A-Z_]+)'/g)].map((m) => m[1] ?? m[2]),
  );

  it('lists every variable the configuration reads', () => {
    expect(read.size).toBeGreaterThan(15);
    for (const name of read) expect(example).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });
});
