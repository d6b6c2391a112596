/**
 * One base error with a `retryable` flag, named subclasses (house style, after Powertools' batch errors).
 * Consumers decide retry-or-dead-letter from `retryable` alone: transient failures throw and SQS retries them;
 * permanent ones are dead-lettered at once with their reason.
 */
export class TelecastError extends Error {
  // Names are spelled out, not taken from the class: the Lambda bundles are minified and the name is what an
  // operator reads in logs, episode records and DLQ attributes.
  override name: string = 'TelecastError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** Input that can never succeed: not JSON, schema violations, bad configuration values. */
export class ValidationError extends TelecastError {
  override name = 'ValidationError';
  readonly violations: string[];
  constructor(message: string, violations: string[] = [], cause?: unknown) {
    super(violations.length ? `${message}: ${violations.join('; ')}` : message, { retryable: false, cause });
    this.violations = violations;
  }
}

/** Missing or malformed environment configuration; raised once at cold start. */
export class ConfigError extends TelecastError {
  override name = 'ConfigError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

/** A referenced thing does not exist (unknown podcast, missing content.json, unknown episode). */
export class NotFoundError extends TelecastError {
  override name = 'NotFoundError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

/** A conditional state transition lost: the record is not in a state this step may move from. */
export class ConflictError extends TelecastError {
  override name = 'ConflictError';
  readonly currentStatus: string | undefined;
  constructor(message: string, currentStatus?: string, cause?: unknown) {
    super(message, { retryable: false, cause });
    this.currentStatus = currentStatus;
  }
}

/** A dependency (AWS, Telegram, TTS, LLM) failed; retryable unless the caller knows better. */
export class DownstreamError extends TelecastError {
  override name = 'DownstreamError';
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

/** Work that must wait (another delivery holds the lease, content not yet collected); always retried. */
export class NotReadyError extends TelecastError {
  override name = 'NotReadyError';
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
  }
}

/** AWS error names that are the caller's fault yet worth retrying: throttling and timeouts. */
const TRANSIENT_CLIENT_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * Whether retrying could help. TelecastErrors say so themselves. AWS SDK errors are read by their fault
 * (duck-typed, core does not import the SDK): a client-side fault such as a ValidationException or AccessDenied fails
 * the same way every time, so it is permanent unless it is throttling; server faults and network errors are
 * transient. Anything else unknown is treated as transient: retrying is safe, and the DLQ catches the rest.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TelecastError) {
    const cause = (error as { cause?: unknown }).cause;
    return error.retryable && (error instanceof DownstreamError && cause !== undefined ? isRetryable(cause) : true);
  }
  const sdk = error as { $fault?: string; $retryable?: unknown; name?: string } | null;
  if (sdk?.$fault === 'client') return Boolean(sdk.$retryable) || TRANSIENT_CLIENT_ERRORS.has(sdk.name ?? '');
  return true;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
