/**
 * A stand-in for the OpenAI API on loopback (node:http), speaking its wire format
 * (https://platform.openai.com/docs/api-reference): `POST /v1/chat/completions` answers a chat completion object
 * (`choices[0].message.content` / `refusal`, `finish_reason`, `usage`), `POST /v1/audio/speech` answers raw 16-bit
 * little-endian 24 kHz PCM (`response_format: 'pcm'`), errors come in OpenAI's body shape
 * `{ "error": { "message", "type", "param", "code" } }`.
 *
 * Scriptable per route: answers queued in order (`enqueue`), then a policy by request number (`policy`), then the
 * default (a chat answer of `chatContent`, or speech whose length follows the input). With `key` set, any other
 * Bearer token is refused as OpenAI refuses it. Every request is logged (route, body, Authorization) for counting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeRoute = 'chat' | 'speech';

export type FakeAnswer =
  | { kind: 'chat'; content?: string | null; refusal?: string; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { kind: 'speech'; bytes?: Uint8Array }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  /** Never answered (until the server closes): the client's timeout. */
  | { kind: 'hang' };

export interface FakeRequest {
  route: FakeRoute;
  /** 1-based, per route. */
  n: number;
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** What was answered: the status. */
  status?: number;
}

/** OpenAI's error answers, as its API sends them. */
export const OPENAI_ERRORS = {
  rateLimited: (retryAfterSeconds?: number): FakeAnswer => ({
    kind: 'error',
    status: 429,
    headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    body: errorBody('Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.', 'requests', 'rate_limit_exceeded'),
  }),
  insufficientQuota: (): FakeAnswer => ({
    kind: 'error',
    status: 429,
    body: errorBody('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
  }),
  serverError: (): FakeAnswer => ({
    kind: 'error',
    status: 500,
    body: errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null),
  }),
  /** What OpenAI answers a wrong key: its message quotes the key's tail. */
  invalidKey: (key: string): FakeAnswer => ({
    kind: 'error',
    status: 401,
    body: errorBody(
      `Incorrect API key provided: ${key.slice(0, 3)}${'*'.repeat(8)}${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    ),
  }),
  unknownModel: (model: string): FakeAnswer => ({
    kind: 'error',
    status: 404,
    body: errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'),
  }),
  invalidVoice: (voice: string): FakeAnswer => ({
    kind: 'error',
    status: 400,
    body: errorBody(`Invalid value: '${voice}'. Supported values are: 'alloy', 'ash', 'coral', 'echo', 'nova', 'sage', 'shimmer'.`, 'invalid_request_error', 'invalid_value', 'voice'),
  }),
  badRequest: (message: string, param: string | null = null): FakeAnswer => ({
    kind: 'error',
    status: 400,
    body: errorBody(message, 'invalid_request_error', null, param),
  }),
};

function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** The speech the fake makes for `input`: 10 ms of a 220 Hz tone per character (never silence, never empty). */
export function fakeSpeech(input: string): Uint8Array {
  const samples = Math.max(1, input.length) * 240;
  const bytes = new Uint8Array(samples * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 24_000)), true);
  return bytes;
}

export class FakeOpenAi {
  readonly requests: FakeRequest[] = [];
  /** The key it accepts; undefined: any (or none). */
  key: string | undefined;
  /** The default chat answer's content. */
  chatContent = '{}';
  private readonly queued: Record<FakeRoute, FakeAnswer[]> = { chat: [], speech: [] };
  private readonly policies: Partial<Record<FakeRoute, (request: FakeRequest) => FakeAnswer | undefined>> = {};
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  /** `http://127.0.0.1:<port>/v1`, once started. */
  baseURL = '';

  constructor(options: { key?: string } = {}) {
    this.key = options.key;
  }

  /** Answers the next requests of `route` with these, in order. */
  enqueue(route: FakeRoute, ...answers: FakeAnswer[]): this {
    this.queued[route].push(...answers);
    return this;
  }

  /** Decides answers of `route` once its queue is empty (undefined: the default); `undefined` removes the policy. */
  policy(route: FakeRoute, decide: ((request: FakeRequest) => FakeAnswer | undefined) | undefined): this {
    if (decide) this.policies[route] = decide;
    else delete this.policies[route];
    return this;
  }

  /** Forgets queued answers, policies, the chat content and the request log. */
  reset(): this {
    this.chatContent = '{}';
    this.queued.chat.length = 0;
    this.queued.speech.length = 0;
    delete this.policies.chat;
    delete this.policies.speech;
    this.requests.length = 0;
    return this;
  }

  of(route: FakeRoute): FakeRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseURL = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.baseURL;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const route: FakeRoute | undefined =
      req.method === 'POST' && req.url === '/v1/chat/completions' ? 'chat' : req.method === 'POST' && req.url === '/v1/audio/speech' ? 'speech' : undefined;
    if (!route) return send(res, 404, errorBody(`Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    }
    const request: FakeRequest = { route, n: this.of(route).length + 1, body, authorization: req.headers.authorization };
    this.requests.push(request);
    const token = request.authorization?.replace(/^Bearer /, '') ?? '';
    const answer =
      this.key !== undefined && token !== this.key
        ? OPENAI_ERRORS.invalidKey(token || 'none')
        : (this.queued[route].shift() ?? this.policies[route]?.(request) ?? (route === 'chat' ? { kind: 'chat' as const } : { kind: 'speech' as const }));

    switch (answer.kind) {
      case 'hang':
        this.hung.push(res);
        return;
      case 'error':
        request.status = answer.status;
        return send(res, answer.status, answer.body, answer.headers);
      case 'speech': {
        request.status = 200;
        const bytes = answer.bytes ?? fakeSpeech(String(body.input ?? ''));
        res.writeHead(200, { 'content-type': 'audio/pcm', 'content-length': bytes.length });
        res.end(bytes);
        return;
      }
      case 'chat': {
        request.status = 200;
        const content = answer.content === undefined ? this.chatContent : answer.content;
        const prompt = JSON.stringify(body.messages ?? []).length;
        send(res, 200, {
          id: `chatcmpl-fake${request.n}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: String(body.model),
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: answer.refusal ? null : content, refusal: answer.refusal ?? null, annotations: [] },
              logprobs: null,
              finish_reason: answer.finishReason ?? 'stop',
            },
          ],
          usage: answer.usage
            ? { ...answer.usage, total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens }
            : { prompt_tokens: Math.ceil(prompt / 4), completion_tokens: Math.ceil((content ?? '').length / 4), total_tokens: Math.ceil(prompt / 4) + Math.ceil((content ?? '').length / 4) },
          system_fingerprint: 'fp_fake',
        });
      }
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
