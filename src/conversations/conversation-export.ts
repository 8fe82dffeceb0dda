import { toCsv } from '../reports/csv';
import type { ConsentEvent } from '../patients/patients.repository';
import type { ConversationMessageRow } from './conversations.repository';

/**
 * The record of a conversation a compliance review asks for (API.md, the conversation export):
 * every message and consent event of one number at one clinic, oldest first, in one list so the
 * order of what was said and what was consented to reads as it happened.
 */
export interface ConversationExportItem {
  type: 'message' | 'consent';
  at: string;
  id: string;
  direction: 'inbound' | 'outbound' | null;
  kind: string | null;
  status: string | null;
  body: string | null;
  appointmentId: string | null;
  action: 'opt_out' | 'opt_in' | null;
  source: string | null;
  word: string | null;
  note: string | null;
}

export const EXPORT_COLUMNS = [
  'type',
  'at',
  'id',
  'direction',
  'kind',
  'status',
  'body',
  'appointmentId',
  'action',
  'source',
  'word',
  'note',
] as const;

export function exportItems(
  messages: readonly ConversationMessageRow[],
  events: readonly ConsentEvent[],
): ConversationExportItem[] {
  const none = { action: null, source: null, word: null, note: null };
  const items: ConversationExportItem[] = [
    ...messages.map((m) => ({
      type: 'message' as const,
      at: new Date(m.created_at).toISOString(),
      id: m.id,
      direction: m.direction,
      kind: m.kind,
      status: m.status,
      body: m.body,
      appointmentId: m.appointment_id,
      ...none,
    })),
    ...events.map((e) => ({
      type: 'consent' as const,
      at: e.at.toISOString(),
      id: e.id,
      direction: null,
      kind: null,
      status: null,
      body: null,
      appointmentId: null,
      action: e.action,
      source: e.source,
      word: e.word,
      note: e.note,
    })),
  ];
  // Stable: at one instant a message stays before the opt-out it caused.
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The same rows as CSV, through the report's formula guard (a body may start with "="). */
export function exportCsv(items: readonly ConversationExportItem[]): string {
  return toCsv(
    [...EXPORT_COLUMNS],
    items.map((item) => EXPORT_COLUMNS.map((column) => item[column])),
  );
}
