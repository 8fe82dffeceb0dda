import { createHmac } from 'node:crypto';
import { calendarSignature } from './calendar-signature';

describe('calendarSignature', () => {
  it('signs "<t>.<body>" with the clinic secret, t in whole seconds', () => {
    const body = '{"id":"evt_1","type":"appointment.confirmed"}';
    const header = calendarSignature('whsec_abc', body, new Date('2026-11-26T15:00:00.900Z'));
    const t = 1795705200;
    expect(header).toBe(
      `t=${t},v1=${createHmac('sha256', 'whsec_abc').update(`${t}.${body}`).digest('hex')}`,
    );
  });

  it('changes with any byte of the body or the key', () => {
    const at = new Date('2026-11-26T15:00:00Z');
    const a = calendarSignature('k1', '{"a":1}', at);
    expect(calendarSignature('k1', '{"a":2}', at)).not.toBe(a);
    expect(calendarSignature('k2', '{"a":1}', at)).not.toBe(a);
  });
});
