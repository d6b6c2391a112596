/**
 * A stand-in for t.me on loopback (node:http): serves recorded web-preview pages by channel and `?before=`, media
 * files, and scripted answers (a status, a redirect, a body) for the reader's tests. It logs every request, and can
 * hold answers back so a test sees how many requests are in flight.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(dirname(fileURLToPath(import.meta.url))), 'fixtures', 'telegram-web');

/** A recorded page from test/fixtures/telegram-web/. */
export const recordedPage = (name: string): string => readFileSync(join(FIXTURES, `${name}.html`), 'utf8');

/** One scripted answer: a status with headers and a body, or a body streamed without a Content-Length. */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent in chunks of this size without a Content-Length (chunked), as a server that does not know the length. */
  chunked?: number;
  /** Never answered (for timeouts). */
  hang?: boolean;
}

export interface LoggedRequest {
  /** Path and query, as requested. */
  url: string;
  userAgent: string | undefined;
}

export class TelegramWebServer {
  readonly requests: LoggedRequest[] = [];
  /** Requests being answered now, and the most ever at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Answers by path and query (`/s/telecast_news?before=141`); a list is used up in order, its last answer then repeats. */
  private readonly answers = new Map<string, ScriptedAnswer[]>();
  private server: Server | undefined;
  private holding = false;
  private readonly held: Array<() => void> = [];
  private readonly inFlightWaiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly hung: ServerResponse[] = [];

  /** Sets what `path` answers. */
  on(path: string, ...answers: ScriptedAnswer[]): this {
    this.answers.set(path, answers);
    return this;
  }

  /** Serves a recorded page at `path`. */
  page(path: string, html: string): this {
    return this.on(path, { headers: { 'content-type': 'text/html; charset=utf-8' }, body: html });
  }

  /** The recorded channel `telecast_news`: its newest page and the two older ones. */
  withRecordedChannel(): this {
    return this.page('/s/telecast_news', recordedPage('telecast_news'))
      .page('/s/telecast_news?before=141', recordedPage('telecast_news-before-141'))
      .page('/s/telecast_news?before=121', recordedPage('telecast_news-before-121'));
  }

  /** From now on answers wait until {@link release}; requests still count as in flight. */
  hold(): void {
    this.holding = true;
  }

  /** Lets one held answer go (the oldest). */
  release(): void {
    this.held.shift()?.();
  }

  releaseAll(): void {
    this.holding = false;
    while (this.held.length) this.held.shift()!();
  }

  /** Resolves once `count` requests are in flight at the same time. */
  whenInFlight(count: number): Promise<void> {
    if (this.inFlight >= count) return Promise.resolve();
    return new Promise((resolve) => this.inFlightWaiters.push({ count, resolve }));
  }

  /** Resolves once `count` requests have arrived in all. */
  async whenRequests(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise((resolve) => setImmediate(resolve));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the server is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** How many times `path` was requested. */
  count(path: string): number {
    return this.requests.filter((r) => r.url === path).length;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.releaseAll();
    for (const response of this.hung) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves when the client has taken what was written, or has gone. */
  private drained(response: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        response.off('drain', done).off('close', done);
        resolve();
      };
      response.on('drain', done).on('close', done);
    });
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    this.requests.push({ url, userAgent: request.headers['user-agent'] });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    for (const waiter of this.inFlightWaiters.filter((w) => this.inFlight >= w.count)) {
      this.inFlightWaiters.splice(this.inFlightWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    response.on('close', () => this.inFlight--);
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    const list = this.answers.get(url);
    const answer: ScriptedAnswer = list ? (list.length > 1 ? list.shift()! : list[0]!) : { status: 404, body: 'no such page' };
    if (answer.hang) {
      this.hung.push(response);
      return;
    }
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : Buffer.from(answer.body ?? new Uint8Array());
    if (answer.chunked) {
      response.writeHead(answer.status ?? 200, answer.headers);
      for (let at = 0; at < body.length && !response.destroyed; at += answer.chunked) {
        if (!response.write(body.subarray(at, at + answer.chunked))) await this.drained(response);
      }
      response.end();
      return;
    }
    response.writeHead(answer.status ?? 200, { 'content-length': String(body.length), ...answer.headers });
    response.end(body);
  }
}
