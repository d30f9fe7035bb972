/** The store's own errors: adapters translate their client's errors into these. */
export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual}`);
    this.name = 'ConcurrencyError';
  }
}

/** Some but not all of an append's event ids are already in the stream: a caller bug, not a retry. */
export class PartialDuplicateError extends Error {
  readonly code = 'PARTIAL_DUPLICATE_APPEND';
  constructor(
    readonly streamId: string,
    readonly duplicateIds: string[],
  ) {
    super(`stream ${streamId}: append repeats some event ids but not all (${duplicateIds.join(', ')})`);
    this.name = 'PartialDuplicateError';
  }
}

export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'EventStoreUnavailableError';
  }
}

export class InvalidAppendError extends Error {
  readonly code = 'INVALID_APPEND';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}
