/**
 * A polite HTTP client: for reading public pages without credentials (`get`) and for calling JSON APIs with a key in a
 * header (`request`, a POST with headers and a body: Gemini, ElevenLabs). It names itself (User-Agent), keeps few
 * requests in flight, spaces its requests to one host (0 for APIs, which meter by key instead), retries 429 and 5xx
 * with exponential backoff and full jitter (honouring Retry-After, or a wait the API names in its error body), and
 * refuses bodies over a cap while they stream. A refused request (another 4xx) and a failure that outlived its retries
 * carry the status and the start of the API's error body (HttpStatusError), so an adapter can name the API's own
 * reason; request headers (API keys) are never part of an error. The clock and the sleep are injected so tests never
 * wait.
 */
import { DownstreamError, RetryLaterError } from '../core/errors.ts';

export const DEFAULT_USER_AGENT = 'Telecast/0.1 (+https://github.com/telecast; podcast generator)';

export interface PoliteFetchOptions {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Default {@link DEFAULT_USER_AGENT}. */
  userAgent?: string;
  /** Requests in flight at once, whatever their host (default 2). */
  concurrency?: number;
  /** Least time between the starts of two requests to one host (default 1000 ms). */
  perHostDelayMs?: number;
  /** Retries after the first try of a 429, a 5xx, a timeout or a network error (default 3). */
  maxRetries?: number;
  /** First backoff ceiling; it doubles each retry (full jitter: a random wait up to it). Default 1000 ms. */
  baseBackoffMs?: number;
  /** Backoff ceiling (default 30 s). */
  maxBackoffMs?: number;
  /** A Retry-After longer than this is not slept through: the caller is told to come back (RetryLaterError). Default 60 s. */
  maxRetryAfterMs?: number;
  /** Per try, from the request to the last byte (default 20 s). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** In [0, 1): the jitter (default Math.random). */
  random?: () => number;
}

export interface PoliteRequest {
  /** Names what is fetched in every error ("@durov's web preview", "photo 1 of message 12 of @durov"). */
  subject: string;
  /** Bodies over this are refused (Content-Length first, then counting as they stream). */
  maxBytes: number;
  /** `manual`: a redirect is returned (its Location in `location`) rather than followed. Default `follow`. */
  redirect?: 'manual' | 'follow';
  accept?: string;
  /** Retries of this request (default: the fetcher's `maxRetries`); a readiness probe takes none. */
  retries?: number;
  /** A body over `maxBytes` is a transient DownstreamError by default; media caps are permanent (the same file every time). */
  oversizeIsPermanent?: boolean;
  /** Per try, from the request to the last byte (default: the fetcher's `timeoutMs`); a model's long answer needs more. */
  timeoutMs?: number;
  /**
   * The wait a retryable answer's body asks for, when it sends no Retry-After header (Gemini's `RetryInfo.retryDelay`).
   * Given the status and the start of the body (text).
   */
  retryAfterFromBody?: (status: number, body: string) => number | undefined;
}

/** What `request` sends besides the URL. Headers are sent as given and never appear in an error. */
export interface PoliteInit {
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  /** A JSON API's request body. */
  body?: string;
}

export interface PoliteResponse {
  status: number;
  /** The final URL (after redirects that were followed). */
  url: string;
  contentType: string;
  /** A redirect's target, absolute, when `redirect: 'manual'`. */
  location?: string;
  body: Uint8Array;
}

/** How much of an error answer's body is kept: enough for an API's error object, never a whole page. */
export const ERROR_BODY_CHARS = 2000;

/**
 * An HTTP answer that was not a success: `status` and the start of the body (`body`, at most {@link ERROR_BODY_CHARS}
 * characters) as the server sent them. Permanent for a 4xx other than 429; transient (retryable) for a 429 or a 5xx
 * that outlived its retries.
 */
export class HttpStatusError extends DownstreamError {
  override name = 'HttpStatusError';
  readonly status: number;
  readonly body: string;
  constructor(message: string, options: { status: number; body: string; retryable: boolean; cause?: unknown }) {
    super(message, { retryable: options.retryable, cause: options.cause });
    this.status = options.status;
    this.body = options.body;
  }
}

/** At most `max` characters of what a server said, on one line (for error messages). */
export function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Statuses worth another try: too many requests, and the server's own failures. */
const retryableStatus = (status: number): boolean => status === 429 || status >= 500;

/** Retry-After as milliseconds: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;

/** A failure worth another try, with the wait the server asked for. */
class Transient extends Error {
  constructor(
    message: string,
    readonly waitMs?: number,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

/** Requests through one shared budget of concurrency and per-host spacing. */
export class PoliteFetcher {
  readonly userAgent: string;
  private readonly fetchImpl: typeof fetch;
  private readonly concurrency: number;
  private readonly perHostDelayMs: number;
  private readonly maxRetries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Per host, the earliest time the next request may start. */
  private readonly nextStart = new Map<string, number>();

  constructor(options: PoliteFetchOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.perHostDelayMs = Math.max(0, options.perHostDelayMs ?? 1000);
    this.maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.baseBackoffMs = options.baseBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * GETs `url`, retrying what may pass (429, 5xx, timeouts, network errors) up to `maxRetries` times. Throws a
   * DownstreamError naming the subject and the cause: transient after the retries, permanent for other 4xx; a
   * RetryLaterError when the server asks for a longer wait than is slept through.
   */
  async get(url: string, request: PoliteRequest): Promise<PoliteResponse> {
    return this.request(url, {}, request);
  }

  /**
   * Sends `init` to `url` (a POST with headers and a body), with the retries, caps and errors of {@link get}. A 4xx
   * other than 429 is a permanent HttpStatusError with the start of the API's error body; a 429 or 5xx that outlives
   * the retries a transient one.
   */
  async request(url: string, init: PoliteInit, request: PoliteRequest): Promise<PoliteResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.slot(() => this.once(url, init, request));
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        if (error.waitMs !== undefined && error.waitMs > this.maxRetryAfterMs) {
          throw new RetryLaterError(`${request.subject}: ${error.message}, and the server asks to wait ${Math.ceil(error.waitMs / 1000)} s`, Math.ceil(error.waitMs / 1000), error);
        }
        if (attempt >= (request.retries ?? this.maxRetries)) {
          const message = `${request.subject}: ${error.message} (after ${attempt + 1} tries)`;
          if (error.status !== undefined) throw new HttpStatusError(message, { status: error.status, body: error.body ?? '', retryable: true, cause: error });
          throw new DownstreamError(message, { cause: error });
        }
        const ceiling = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** attempt);
        await this.sleep(Math.max(error.waitMs ?? 0, Math.floor(this.random() * ceiling)));
      }
    }
  }

  /** Runs `task` within the concurrency budget. */
  private async slot<T>(task: () => Promise<T>): Promise<T> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Waits for the host's turn: requests to one host start at least `perHostDelayMs` apart. */
  private async turn(host: string): Promise<void> {
    const now = this.now();
    const start = Math.max(now, this.nextStart.get(host) ?? now);
    this.nextStart.set(host, start + this.perHostDelayMs);
    if (start > now) await this.sleep(start - now);
  }

  private async once(url: string, init: PoliteInit, request: PoliteRequest): Promise<PoliteResponse> {
    await this.turn(new URL(url).host);
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: init.method ?? 'GET',
          headers: { 'user-agent': this.userAgent, accept: request.accept ?? '*/*', ...init.headers },
          ...(init.body !== undefined ? { body: init.body } : {}),
          redirect: request.redirect ?? 'follow',
          signal: abort.signal,
        });
      } catch (error) {
        throw new Transient(abort.signal.aborted ? `no answer within ${timeoutMs} ms` : `the request failed (${(error as Error).cause ? String((error as Error).cause) : (error as Error).message})`);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status >= 300 && response.status < 400 && request.redirect === 'manual') {
        await response.body?.cancel();
        const location = response.headers.get('location');
        return { status: response.status, url, contentType, body: new Uint8Array(), ...(location ? { location: new URL(location, url).href } : {}) };
      }
      if (retryableStatus(response.status)) {
        const body = await this.errorBody(response);
        const wait = retryAfterMs(response.headers.get('retry-after'), this.now()) ?? request.retryAfterFromBody?.(response.status, body);
        throw new Transient(`HTTP ${response.status} from ${new URL(url).host}`, wait, response.status, body);
      }
      if (response.status >= 400) {
        const body = await this.errorBody(response);
        throw new HttpStatusError(`${request.subject}: HTTP ${response.status} from ${url}`, { status: response.status, body, retryable: false });
      }
      const body = await this.readBody(response, request, url, abort.signal, timeoutMs);
      return { status: response.status, url: response.url || url, contentType, body };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The start of an error answer's body as text (at most {@link ERROR_BODY_CHARS} characters); the rest is never
   * downloaded. Empty when the body cannot be read (it broke off, or the try timed out): the status still says enough.
   */
  private async errorBody(response: Response): Promise<string> {
    if (!response.body) return '';
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (text.length >= ERROR_BODY_CHARS) break;
      }
    } catch {
      // A body that breaks off: keep what came.
    }
    return text.slice(0, ERROR_BODY_CHARS);
  }

  /** The body, refused as soon as it is known to pass `maxBytes`. */
  private async readBody(response: Response, request: PoliteRequest, url: string, signal: AbortSignal, timeoutMs: number): Promise<Uint8Array> {
    const tooLarge = (bytes: number, known: boolean) =>
      new DownstreamError(`${request.subject}: ${url} is ${known ? '' : 'over '}${megabytes(bytes)}, over the ${megabytes(request.maxBytes)} cap`, {
        retryable: !request.oversizeIsPermanent,
      });
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > request.maxBytes) {
      await response.body?.cancel();
      throw tooLarge(declared, true);
    }
    if (!response.body) return new Uint8Array();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        // Throwing leaves the loop, which cancels the stream: the rest is never downloaded.
        if (total > request.maxBytes) throw tooLarge(request.maxBytes, false);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof DownstreamError) throw error;
      throw new Transient(signal.aborted ? `no whole answer within ${timeoutMs} ms` : `the answer broke off (${(error as Error).message})`);
    }
    return Buffer.concat(chunks);
  }
}
