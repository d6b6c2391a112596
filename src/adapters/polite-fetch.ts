/**
 * A polite HTTP GET for reading public pages without credentials: it names itself (User-Agent), keeps few requests
 * in flight, spaces its requests to one host, retries 429 and 5xx with exponential backoff and full jitter (honouring
 * Retry-After), and refuses bodies over a cap while they stream. The clock and the sleep are injected so tests never
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
  ) {
    super(message);
  }
}

/** GETs through one shared budget of concurrency and per-host spacing. */
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
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.slot(() => this.once(url, request));
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        if (error.waitMs !== undefined && error.waitMs > this.maxRetryAfterMs) {
          throw new RetryLaterError(`${request.subject}: ${error.message}, and the server asks to wait ${Math.ceil(error.waitMs / 1000)} s`, Math.ceil(error.waitMs / 1000), error);
        }
        if (attempt >= (request.retries ?? this.maxRetries)) {
          throw new DownstreamError(`${request.subject}: ${error.message} (after ${attempt + 1} tries)`, { cause: error });
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

  private async once(url: string, request: PoliteRequest): Promise<PoliteResponse> {
    await this.turn(new URL(url).host);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          headers: { 'user-agent': this.userAgent, accept: request.accept ?? '*/*' },
          redirect: request.redirect ?? 'follow',
          signal: abort.signal,
        });
      } catch (error) {
        throw new Transient(abort.signal.aborted ? `no answer within ${this.timeoutMs} ms` : `the request failed (${(error as Error).cause ? String((error as Error).cause) : (error as Error).message})`);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status >= 300 && response.status < 400 && request.redirect === 'manual') {
        await response.body?.cancel();
        const location = response.headers.get('location');
        return { status: response.status, url, contentType, body: new Uint8Array(), ...(location ? { location: new URL(location, url).href } : {}) };
      }
      if (retryableStatus(response.status)) {
        await response.body?.cancel();
        throw new Transient(`HTTP ${response.status} from ${new URL(url).host}`, retryAfterMs(response.headers.get('retry-after'), this.now()), response.status);
      }
      if (response.status >= 400) {
        await response.body?.cancel();
        throw new DownstreamError(`${request.subject}: HTTP ${response.status} from ${url}`, { retryable: false });
      }
      const body = await this.readBody(response, request, url, abort.signal);
      return { status: response.status, url: response.url || url, contentType, body };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The body, refused as soon as it is known to pass `maxBytes`. */
  private async readBody(response: Response, request: PoliteRequest, url: string, signal: AbortSignal): Promise<Uint8Array> {
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
      throw new Transient(signal.aborted ? `no whole answer within ${this.timeoutMs} ms` : `the answer broke off (${(error as Error).message})`);
    }
    return Buffer.concat(chunks);
  }
}
