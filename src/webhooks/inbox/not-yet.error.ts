/**
 * The event cannot be applied yet but probably can later (a status callback that overtook the
 * commit recording its message): roll back and retry with backoff, without an error log.
 */
export class NotYetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotYetError';
  }
}
