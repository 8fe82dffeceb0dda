import type { ConsentEventView, ConsentView } from './dto/consent.dto';
import type { ConsentEvent } from './patients.repository';

export function toConsentView(event: ConsentEvent | null): ConsentView | null {
  if (!event) return null;
  return {
    optedOut: event.action === 'opt_out',
    since: event.at.toISOString(),
    source: event.source,
    word: event.word,
  };
}

export function toConsentEventView(e: ConsentEvent): ConsentEventView {
  return {
    id: e.id,
    action: e.action,
    source: e.source,
    word: e.word,
    note: e.note,
    senderNumber: e.senderNumber,
    inboundMessageId: e.inboundMessageId,
    at: e.at.toISOString(),
  };
}
