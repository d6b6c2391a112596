/** ObjectStore over one S3 bucket. */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { DownstreamError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';

/**
 * Bodies up to one part go up in a single PutObject; larger ones (a long episode's MP3, a large export) in parts of this
 * size. S3 takes up to 5 GiB in one PUT, but fauxqs, the local stack's S3, refuses request bodies over 11 MiB, and a part
 * must be at least 5 MiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
 */
const PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded at once: memory stays near PART_SIZE × (QUEUE_SIZE + 1) whatever the object's size. */
const QUEUE_SIZE = 2;

function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** S3 refused the body as too large (EntityTooLarge, or a bare 413 from a proxy or the emulator). */
function isTooLarge(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'EntityTooLarge' || e?.$metadata?.httpStatusCode === 413;
}

const sizeOf = (bytes: number): string => (bytes < 1024 * 1024 ? `${bytes} bytes` : `${bytes} bytes (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putText(key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
  }

  async getJson<T = unknown>(key: string): Promise<T> {
    const text = await this.getText(key);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ValidationError(`s3://${this.bucket}/${key} is not valid JSON`, [], cause);
    }
  }

  async getText(key: string): Promise<string> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`s3://${this.bucket}/${key} does not exist`, error);
      throw error;
    }
  }

  async putText(key: string, text: string, contentType: string): Promise<void> {
    const body = Buffer.from(text, 'utf-8');
    await this.put(key, body, body.length, `${contentType}; charset=utf-8`);
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    // Streamed from disk (Lambda's /tmp holds it), never read whole into memory.
    const { size } = await stat(path);
    await this.put(key, createReadStream(path), size, contentType);
  }

  /** One PutObject for a body that fits in a part (with its length, so a stream goes up unbuffered); else in parts. */
  private async put(key: string, body: Buffer | Readable, size: number, contentType: string): Promise<void> {
    const params = { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType };
    try {
      if (size <= PART_SIZE) await this.s3.send(new PutObjectCommand({ ...params, ContentLength: size }));
      // On failure Upload aborts the multipart upload, so no orphaned parts are left billed in the bucket.
      else {
        await new Upload({ client: this.s3, params, partSize: PART_SIZE, queueSize: QUEUE_SIZE, leavePartsOnError: false }).done();
      }
    } catch (error) {
      if (!Buffer.isBuffer(body)) body.destroy();
      if (isTooLarge(error)) {
        throw new DownstreamError(`s3://${this.bucket}/${key} is too large to store: ${sizeOf(size)} refused`, {
          retryable: false,
          cause: error,
        });
      }
      throw error;
    }
  }

  async openRead(key: string): Promise<{ body: AsyncIterable<Uint8Array>; bytes?: number; contentType?: string }> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return { body: Readable.from([]), bytes: 0, contentType: out.ContentType };
      return { body: out.Body as Readable, bytes: out.ContentLength, contentType: out.ContentType };
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`s3://${this.bucket}/${key} does not exist`, error);
      throw error;
    }
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>, contentType: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    // Length unknown: lib-storage buffers one part at a time and sends a single PutObject when the body fits in one.
    const stream = body instanceof Readable ? body : Readable.from(body);
    const tags = options.tags ? Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) : undefined;
    try {
      await new Upload({
        client: this.s3,
        params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
        ...(tags ? { tags } : {}),
      }).done();
    } catch (error) {
      stream.destroy();
      if (isTooLarge(error)) throw new DownstreamError(`s3://${this.bucket}/${key} is too large to store`, { retryable: false, cause: error });
      throw error;
    }
  }

  async putBytes(key: string, body: Uint8Array, contentType: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    const tags = options.tags ? new URLSearchParams(options.tags).toString() : undefined;
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.byteLength, ...(tags ? { Tagging: tags } : {}) }),
    );
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async head(key: string): Promise<{ bytes: number; contentType?: string } | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: head.ContentLength ?? 0, ...(head.ContentType ? { contentType: head.ContentType } : {}) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(fromKey: string, toKey: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    const tags = options.tags ? new URLSearchParams(options.tags).toString() : undefined;
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
        ...(tags ? { Tagging: tags, TaggingDirective: 'REPLACE' as const } : {}),
      }),
    );
  }
}
