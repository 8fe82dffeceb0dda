/** Every status a row of the message log can have; `received` is the inbound one. */
export const MESSAGE_STATUSES = [
  'pending',
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'unknown',
  'received',
] as const;

/** The statuses an outbound text can have (the simulator's outbox lists only those). */
export const OUTBOUND_MESSAGE_STATUSES = MESSAGE_STATUSES.filter((s) => s !== 'received');

export const MESSAGE_STATUS_DESCRIPTION =
  'unknown: the instance sending it stopped mid-call, it may or may not have reached the ' +
  'provider; expired: an answer that could not be sent within 10 minutes';
