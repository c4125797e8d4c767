/** Errors of the domain: what a service refuses, each naming what was wrong; the API maps them to HTTP answers. */

/**
 * Base of the errors the domain throws on purpose, for a caller's input it cannot act on. Its message is
 * the whole explanation: the API answers it as the problem's `detail`, EventBridge PutEvents as an entry's `ErrorMessage`.
 */
export abstract class DomainError extends Error {
  override readonly name: string = 'DomainError';
}

/** A field of the input refused: `field` names it (`eventName`, `data.order.total`), `reason` says why. */
export class InvalidFieldError extends DomainError {
  override readonly name: string = 'InvalidFieldError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** One field of the input and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Input refused for several fields at once (each reported); one field alone is an InvalidFieldError. */
export class InvalidInputError extends DomainError {
  override readonly name = 'InvalidInputError';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
  }
}

/** An event of a type that is not registered. */
export class EventTypeNotRegisteredError extends InvalidFieldError {
  override readonly name = 'EventTypeNotRegisteredError';
  constructor(readonly eventName: string) {
    super('eventName', `event type "${eventName}" is not registered`);
  }
}

/** An event of an archived type: an operator's choice to publish no more of it. */
export class EventTypeArchivedError extends InvalidFieldError {
  override readonly name = 'EventTypeArchivedError';
  constructor(readonly eventName: string) {
    super('eventName', `event type "${eventName}" is archived`);
  }
}

/** Event data that its type's JSON Schema refuses; `field` points at the first failing part (`data` or `data.{path}`). */
export class SchemaMismatchError extends InvalidFieldError {
  override readonly name = 'SchemaMismatchError';
  constructor(field: string, schemaMessage: string) {
    super(field, `does not match the event type's schema: ${schemaMessage}`);
  }
}

/** An event's `data` over the limit of its event type (`maxPayloadBytes`), or over MAX_PAYLOAD_BYTES. */
export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly field: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${field} is ${size} bytes of JSON, over the limit of ${limit} bytes`);
  }
}

/** Something the request names that does not exist (for the caller): `what` names it (`delivery 0191…`). */
export class ResourceNotFoundError extends DomainError {
  override readonly name: string = 'ResourceNotFoundError';
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

/** A config that does not exist (in the org asked for). */
export class ConfigNotFoundError extends ResourceNotFoundError {
  override readonly name = 'ConfigNotFoundError';
  constructor(readonly configId: string) {
    super(`config ${configId}`);
  }
}

/** A request the current state refuses: what it asks for is taken, gone, or not allowed for this resource. */
export class StateConflictError extends DomainError {
  override readonly name = 'StateConflictError';
}

/** A retry of a delivery whose config is disabled: it would only fail again at once. */
export class ConfigDisabledError extends DomainError {
  override readonly name = 'ConfigDisabledError';
  constructor(
    readonly configId: string,
    readonly disabledReason: string | null,
  ) {
    super(`config ${configId} is disabled (${disabledReason ?? 'no reason given'}); enable it before retrying`);
  }
}

/** A retry of a delivery whose config was deleted since. */
export class ConfigDeletedError extends DomainError {
  override readonly name = 'ConfigDeletedError';
  constructor(readonly configId: string) {
    super(`config ${configId} no longer exists`);
  }
}

/** An inbound webhook whose signature does not verify: the signature is its only credential. */
export class SignatureVerificationError extends DomainError {
  override readonly name = 'SignatureVerificationError';
}

/** Input that cannot be read at all (not a field's value refused): `field` names where, `(body)` for the whole payload. */
export class MalformedPayloadError extends DomainError {
  override readonly name = 'MalformedPayloadError';
  constructor(
    message: string,
    readonly field: string = '(body)',
  ) {
    super(message);
  }
}
