/**
 * A small HTTP proxy in front of an emulator that injects the faults a real network has, so the local stack's own
 * functions can be run against them:
 * - `reset`: the connection is dropped before the request reaches the store (nothing happened);
 * - `lose-response`: the request is forwarded and applied, then the connection is dropped before the answer arrives
 *   (the write happened, the caller does not know: the AWS SDK retries it);
 * - `delay`: the request is held for a while, then forwarded;
 * - `status`: an error answer (500, 503 throttling) without forwarding;
 * - refusing connections altogether (`refuse()`), as a store that is down.
 * Faults are chosen by rules matching a request (method, path, the `X-Amz-Target` action of DynamoDB and SQS's JSON
 * protocol, the body), each applied a bounded number of times, or at random with a seeded generator so a chaos run can
 * be repeated. Loopback only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'reset' }
  | { kind: 'lose-response' }
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Forward the request, then crash the caller (FaultProxyOptions.onCrash) before it hears the answer. */
  | { kind: 'crash' };

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** DynamoDB and SQS (JSON protocol) name the operation in `X-Amz-Target`: `UpdateItem`, `SendMessage`, … */
  action?: string;
  body: Buffer;
}

export interface FaultRule {
  /** For the proxy's counts and logs. */
  name: string;
  match(request: ProxiedRequest): boolean;
  fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity for every one). */
  times?: number;
  /** Chance that a matching request gets it (default 1), drawn from the proxy's seeded generator. */
  probability?: number;
}

export interface FaultProxyOptions {
  /** Where requests go: the emulator's endpoint, e.g. http://127.0.0.1:4567. */
  upstream: string;
  /** Seed for `probability` draws; the same seed and the same requests give the same faults. */
  seed?: number;
  /** What a `crash` fault does: the local stack kills the calling function's environment. */
  onCrash?: () => Promise<unknown>;
}

/** A deterministic generator (mulberry32): enough for spreading faults, and repeatable from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultProxy {
  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly rules: Array<FaultRule & { left: number }> = [];
  private readonly random: () => number;
  private readonly upstream: URL;
  /** Faults injected so far, by rule name. */
  readonly injected = new Map<string, number>();
  /** Requests seen, by action (or `METHOD path-prefix` for S3). */
  readonly seen = new Map<string, number>();

  constructor(options: FaultProxyOptions) {
    this.upstream = new URL(options.upstream);
    this.random = seededRandom(options.seed ?? 1);
    this.onCrash = options.onCrash;
  }

  private readonly onCrash: (() => Promise<unknown>) | undefined;

  /** The proxy's own endpoint, to give to clients instead of the emulator's. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: a free one; after `refuse()`, the same one again). */
  async start(port = this.port): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.endpoint;
  }

  /** Stops accepting connections and drops the open ones: clients see ECONNREFUSED until `start()` again. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async stop(): Promise<void> {
    await this.refuse();
  }

  add(rule: FaultRule): this {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
    return this;
  }

  clear(): void {
    this.rules.length = 0;
  }

  private pick(request: ProxiedRequest): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0 || !rule.match(request)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.left -= 1;
      this.injected.set(rule.name, (this.injected.get(rule.name) ?? 0) + 1);
      return rule;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
      ...(typeof target === 'string' ? { action: target.split('.').pop() ?? target } : {}),
    };
    const label = request.action ?? `${request.method} ${request.path.split('?')[0]?.split('/').slice(0, 2).join('/')}`;
    this.seen.set(label, (this.seen.get(label) ?? 0) + 1);

    const fault = this.pick(request)?.fault;
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', ...fault.headers });
      return void res.end(fault.body ?? '');
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));

    const upstream = httpRequest(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: request.method,
        path: request.path,
        headers: req.headers,
      },
      (answer) => {
        if (fault?.kind === 'crash') {
          answer.resume();
          answer.on('end', () => void this.onCrash?.().finally(() => req.socket.destroy()));
          return;
        }
        if (fault?.kind === 'lose-response') {
          // The store has applied the request; the caller never hears of it.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    upstream.end(request.body);
  }
}

/** Matches one operation of DynamoDB or SQS (`UpdateItem`, `SendMessage`, …), optionally only when the body contains `text`. */
export function action(name: string, text?: string): (request: ProxiedRequest) => boolean {
  return (request) => request.action === name && (text === undefined || request.body.includes(text));
}
