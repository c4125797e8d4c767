/** Errors of the domain: what a publish or a test send refuses, each naming what was wrong; the API maps them to HTTP answers. */

/** Base of the errors the domain throws on purpose, for a caller's input it cannot act on. */
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

/** A config that does not exist (in the org asked for). */
export class ConfigNotFoundError extends DomainError {
  override readonly name = 'ConfigNotFoundError';
  constructor(readonly configId: string) {
    super(`config ${configId} not found`);
  }
}
