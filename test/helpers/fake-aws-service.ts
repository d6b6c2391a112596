/**
 * A loopback HTTP server for the fakes of AWS services that speak JSON (Bedrock Runtime and Polly: restJson1; Secrets
 * Manager and SSM: awsJson1_1). It records every request (method, path, headers, parsed JSON body) and answers from a
 * script of replies, in order, then from the fake's default. Errors go out as AWS sends them and the SDK parses them:
 * the error code in the `x-amzn-ErrorType` header (`Code:namespace-uri`) and `{"message": ...}` in the body, or, with
 * `codeIn: 'body'`, only the body's `__type` (`namespace#Code`), which the SDK's parser also reads.
 *
 * HTTP/2 or HTTP/1.1, as the service's SDK client speaks: the Bedrock Runtime and Polly clients use the SDK's HTTP/2
 * handler (both APIs have bidirectional streams), which speaks HTTP/2 with prior knowledge to a plain `http://`
 * endpoint, so their fakes serve HTTP/2 cleartext (`h2c`); Secrets Manager and SSM clients speak HTTP/1.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session, type Http2Server } from 'node:http2';

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** An AWS error as the service sends it. */
export interface AwsErrorReply {
  status: number;
  code: string;
  message?: string;
  codeIn?: 'header' | 'body';
  headers?: Record<string, string>;
}

/** A raw reply: what the fake's handler makes of a request, or what a test scripts. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** Wait this long before answering (a slow service). */
  delayMs?: number;
}

export type Reply<Answer> = { error: AwsErrorReply } | { raw: RawReply } | { answer: Answer };

export class FakeAwsService<Answer> {
  readonly requests: SeenRequest[] = [];
  private readonly replies: Array<Reply<Answer>> = [];
  private server?: Server | Http2Server;
  private readonly sessions = new Set<Http2Session>();
  endpoint = '';

  /** `respond`: the service's answer to a request, given the scripted answer for it (undefined: the default). */
  constructor(
    private readonly respond: (request: SeenRequest, answer: Answer | undefined) => RawReply | AwsErrorReply,
    private readonly protocol: 'http1' | 'h2c' = 'http1',
  ) {}

  /** Queues replies for the next requests, in order. */
  reply(...replies: Array<Reply<Answer>>): this {
    this.replies.push(...replies);
    return this;
  }

  async start(): Promise<this> {
    const handle = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void => void this.answer(request, response);
    if (this.protocol === 'h2c') {
      const server = createHttp2Server(handle);
      server.on('session', (session) => {
        this.sessions.add(session);
        session.on('close', () => this.sessions.delete(session));
      });
      this.server = server;
    } else {
      this.server = createServer(handle);
    }
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.endpoint = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    if (this.server && 'closeAllConnections' in this.server) this.server.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async answer(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const seen: SeenRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
    this.requests.push(seen);
    const scripted = this.replies.shift();
    let reply: RawReply | AwsErrorReply;
    if (scripted && 'error' in scripted) reply = scripted.error;
    else if (scripted && 'raw' in scripted) reply = scripted.raw;
    else reply = this.respond(seen, scripted?.answer);
    if ('code' in reply) reply = awsError(reply);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    (response as ServerResponse).writeHead(reply.status, { ...reply.headers, 'x-amzn-requestid': `fake-${this.requests.length}` });
    (response as ServerResponse).end(reply.body);
  }
}

/** An error reply in AWS's JSON wire format. */
export function awsError(error: AwsErrorReply): RawReply {
  const message = error.message ?? error.code;
  const inBody = error.codeIn === 'body';
  return {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      ...(inBody ? {} : { 'x-amzn-errortype': `${error.code}:http://internal.amazon.com/coral/com.amazonaws.fake/` }),
      ...error.headers,
    },
    body: JSON.stringify(inBody ? { __type: `com.amazonaws.fake#${error.code}`, message } : { message }),
  };
}

/** A JSON reply. */
export function jsonReply(body: unknown, status = 200, headers: Record<string, string> = {}): RawReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Static credentials and a region for SDK clients pointed at a fake (signing works; nothing checks it). */
export const FAKE_AWS_CLIENT = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
} as const;
