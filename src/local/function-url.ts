/**
 * A Lambda function URL on loopback: each HTTP request becomes a payload format 2.0 event
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html), the function is invoked through the
 * LambdaRunner (its own worker, environment and timeout, as on AWS), and its response is written back, `cookies` as
 * Set-Cookie headers. A function error is a 502, as a function URL answers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaRunner } from './lambda-runner.ts';

export interface FunctionUrlServerOptions {
  runner: Pick<LambdaRunner, 'invoke'>;
  functionName: string;
  /** 0: any free port. */
  port: number;
}

/** Content types a function URL passes as text; any other body is base64-encoded (`isBase64Encoded`). */
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|javascript|xml))/i;
/** Function URLs cap request payloads at 6 MB. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body over 6 MB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The payload 2.0 event of one request. */
export function functionUrlEvent(request: IncomingMessage, body: Buffer, now = new Date()): Record<string, unknown> {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = request.headers.cookie ? request.headers.cookie.split(/;\s*/).filter(Boolean) : undefined;
  const text = TEXT_TYPES.test(request.headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies ? { cookies } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      http: { method: request.method ?? 'GET', path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

interface FunctionUrlResponse {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export class FunctionUrlServer {
  private server: Server | undefined;
  private address: AddressInfo | undefined;

  constructor(private readonly options: FunctionUrlServerOptions) {}

  get url(): string {
    if (!this.address) throw new Error('the function URL server is not started');
    return `http://127.0.0.1:${this.address.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      void (async () => {
        try {
          const body = await readBody(request);
          const result = (await this.options.runner.invoke(this.options.functionName, functionUrlEvent(request, body))) as FunctionUrlResponse;
          const headers: Record<string, string | string[]> = { ...(result.headers ?? {}) };
          if (result.cookies?.length) headers['set-cookie'] = result.cookies;
          response.writeHead(result.statusCode ?? 200, headers);
          response.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
        } catch {
          // What a function URL answers when the function fails; the runner has reported the error itself.
          if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
          response.end('{"Message":"Internal Server Error"}');
        }
      })();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
