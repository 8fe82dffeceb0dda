/**
 * Domain errors: named for what went wrong in the product's terms. One exception filter maps
 * them to HTTP, so services never import HTTP exceptions.
 */
export abstract class DomainError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
    this.name = new.target.name;
  }
}

/** The input is wrong: 400, naming the field. */
export class InvalidInputError extends DomainError {}

/** Not found, or not this clinic's: 404 either way, so nothing leaks across clinics. */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super([`${what} not found`]);
  }
}

/** The request is valid but clashes with the current state: 409. */
export class ConflictError extends DomainError {}

/** The current status does not allow the move: 409 naming the status. */
export class IllegalTransitionError extends ConflictError {
  constructor(
    readonly current: string,
    attempted: string,
  ) {
    super([`appointment is ${current}; cannot change it to ${attempted}`]);
  }
}

/** A request that must be signed carries no signature: 401. */
export class MissingSignatureError extends DomainError {}

/** A signature is present but does not verify (wrong key, altered body, stale timestamp): 403. */
export class InvalidSignatureError extends DomainError {}
