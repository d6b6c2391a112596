/**
 * The plumbing of a loopback stand-in for an HTTP API (node:http): a queue of scripted answers used up in order,
 * requests left hanging until the fake stops, start on a free port and stop. A fake extends it with the API's routes
 * and wire format (fake-gemini.ts, fake-elevenlabs.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class ScriptedHttpFake<Answer> {
  protected readonly script: Answer[] = [];
  /** Responses never answered (a hang): destroyed on stop. */
  protected readonly hung: ServerResponse[] = [];
  private server: Server | undefined;

  /** Queues answers for the next requests, in order; after them the fake's default answers resume. */
  answer(...answers: Answer[]): this {
    this.script.push(...answers);
    return this;
  }

  /** Listens on a free loopback port; resolves to the base URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.receive(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const response of this.hung.splice(0)) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers one request, its body read whole. */
  protected abstract handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void>;

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    await this.handle(request, Buffer.concat(chunks), response);
  }
}

/** A JSON (or any text) answer. */
export function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(body);
}
