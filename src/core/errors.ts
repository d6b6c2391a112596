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

/**
 * The source asked us to wait (Telegram's FLOOD_WAIT beyond what a collector sleeps through): the message is retried
 * after `seconds` (its visibility is changed to that) rather than spending its receives now.
 */
export class RetryLaterError extends TelecastError {
  override name = 'RetryLaterError';
  readonly seconds: number;
  constructor(message: string, seconds: number, cause?: unknown) {
    super(message, { retryable: true, cause });
    this.seconds = seconds;
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

/** 4xx statuses that mean "not now" rather than "never": request timeout and too many requests. */
const TRANSIENT_CLIENT_STATUSES = new Set([408, 429]);

/** The parts of an AWS SDK v3 service exception core reads, duck-typed (core does not import the SDK). */
interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Whether retrying could help. TelecastErrors say so themselves. AWS SDK errors are read by their fault and HTTP
 * status: a client-side fault or a 4xx (a ValidationException, AccessDenied, a 413 for a request too large) fails the
 * same way every time, so it is permanent unless it is throttling or a timeout (408, 429); server faults, 5xx and
 * network errors are transient. Anything else unknown is treated as transient: retrying is safe, and the DLQ catches
 * the rest.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TelecastError) {
    const cause = (error as { cause?: unknown }).cause;
    return error.retryable && (error instanceof DownstreamError && cause !== undefined ? isRetryable(cause) : true);
  }
  const sdk = error as SdkErrorShape | null;
  const status = sdk?.$metadata?.httpStatusCode;
  const clientFault = sdk?.$fault === 'client' || (typeof status === 'number' && status >= 400 && status < 500);
  if (!clientFault) return true;
  return Boolean(sdk?.$retryable) || TRANSIENT_CLIENT_ERRORS.has(sdk?.name ?? '') || TRANSIENT_CLIENT_STATUSES.has(status ?? 0);
}

/** How many causes are followed, and how long the text may get (it lands in DynamoDB, SQS attributes and logs). */
const MAX_CAUSES = 5;
const MAX_MESSAGE_LENGTH = 2000;

/** One error's own text: `Name: message`, the HTTP status of an SDK error whose message says nothing, or the value. */
function describe(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error && 'name' in error)) {
    const e = error as SdkErrorShape & { code?: unknown; errors?: unknown };
    const name = e.name || 'Error';
    // Node's connection errors may be an AggregateError (one per address tried) with an empty message.
    const nested = Array.isArray(e.errors) ? e.errors.map(describe).join('; ') : '';
    const message = String(e.message ?? '') || nested || (typeof e.code === 'string' ? e.code : '');
    const status = e.$metadata?.httpStatusCode;
    const silent = !message || message === name || message === 'UnknownError';
    const own = message && message !== name ? `${name}: ${message}` : name;
    return silent && typeof status === 'number' ? `${own} (HTTP ${status})` : own;
  }
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error) ?? String(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/** The text of a cause that shows whether the wrapper already includes it: its message, or the value itself. */
function ownText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message?: unknown }).message ?? '');
  return describe(error);
}

/**
 * What an operator reads about a failure (episode `error`, the DLQ's `telecast-error`, logs): `Name: message`, then
 * each cause in turn, so a wrapper such as "reading channel @x failed" keeps its reason (`: SyntaxError: …`). A cause
 * whose message the text already includes is not repeated (the chain is still followed past it); the chain stops at a
 * cycle or after {@link MAX_CAUSES} causes, and the text at {@link MAX_MESSAGE_LENGTH} characters, marked with `…`.
 */
export function errorMessage(error: unknown): string {
  let text = describe(error);
  const seen = new Set<unknown>([error]);
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && !seen.has(cause); depth++) {
    if (depth === MAX_CAUSES) {
      text += ': …';
      break;
    }
    seen.add(cause);
    const own = ownText(cause);
    if (!own || !text.includes(own)) text += `: ${describe(cause)}`;
    cause = typeof cause === 'object' ? (cause as { cause?: unknown }).cause : undefined;
  }
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
