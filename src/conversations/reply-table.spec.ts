import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replyTable } from './reply-table';

describe('the docs/replies.md table of what each reply does', () => {
  it('is the one the machine gives', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'replies.md'), 'utf8');
    expect(doc).toContain(replyTable());
  });

  it('follows the machine, e.g. a slot is booked only while a reschedule was requested', () => {
    const slotRow = replyTable()
      .split('\n')
      .find((l) => l.startsWith('| `1`'))!;
    expect(slotRow).toContain('**confirmed**, `appointment.rescheduled`');
    expect(slotRow.match(/unrecognised reply/g)).toHaveLength(2);
  });
});
