/**
 * The local stack's CloudFront: serves the bucket's public/ prefix over HTTP on loopback at the same paths the
 * distribution does (origin path /public), so a podcast app, a browser or `curl` can read a feed, play its audio and
 * fetch its transcripts and chapters without an AWS account. Only public/ is reachable: any other path is a 404, as
 * the private objects are on AWS (CloudFront cannot reach them).
 *
 * GET and HEAD; `Range: bytes=a-b` (one range, also `a-` and `-n`) answers 206 with Content-Range, as S3 behind
 * CloudFront does (podcast apps seek and resume with ranges); an unsatisfiable range is a 416. CORS allows any
 * origin to GET, as the distribution's response headers policy does, for web players.
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { PUBLIC_PREFIX } from '../core/keys.ts';

export interface PublicServerOptions {
  s3: S3Client;
  bucket: string;
  /** Loopback port; 0: any free one. */
  port?: number;
}

/** One byte range of an object of `size` bytes, or 'unsatisfiable', or undefined for the whole object. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined; // not one simple range: the whole object, as S3 does
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export class PublicServer {
  private server: Server | undefined;
  url = '';

  constructor(private readonly options: PublicServerOptions) {}

  async start(): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Access-Control-Allow-Origin', '*');
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname).replace(/^\/+/, '');
      if (!path || path.split('/').some((part) => part === '..' || part === '')) return void response.writeHead(404).end();
      const key = `${PUBLIC_PREFIX}${path}`;
      const { s3, bucket } = this.options;
      let head;
      try {
        head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (error as Error).name === 'NotFound') return void response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        throw error;
      }
      const size = head.ContentLength ?? 0;
      const range = parseRange(request.headers.range, size);
      const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Content-Type': head.ContentType ?? 'application/octet-stream' };
      if (head.ETag) headers.ETag = head.ETag;
      if (head.LastModified) headers['Last-Modified'] = head.LastModified.toUTCString();
      if (range === 'unsatisfiable') return void response.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
      const status = range ? 206 : 200;
      const length = range ? range.end - range.start + 1 : size;
      response.writeHead(status, { ...headers, 'Content-Length': String(length), ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}) });
      if (request.method === 'HEAD' || length === 0) return void response.end();
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      const body = object.Body as Readable;
      // An emulator that ignores Range sends the whole object: cut it here so the answer matches its headers.
      const whole = range && !object.ContentRange;
      await pipeRange(body, response, whole ? range : undefined);
    } catch (error) {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
      else response.destroy(error as Error);
    }
  }
}

/** Streams `body` to `response`, keeping only bytes start..end when given. */
async function pipeRange(body: Readable, response: ServerResponse, range: { start: number; end: number } | undefined): Promise<void> {
  let offset = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let piece = chunk;
    if (range) {
      const from = Math.max(0, range.start - offset);
      const to = Math.min(chunk.length, range.end + 1 - offset);
      offset += chunk.length;
      if (to <= from) continue;
      piece = chunk.subarray(from, to);
    }
    if (!response.write(piece)) await new Promise((resolve) => response.once('drain', resolve));
  }
  response.end();
}
