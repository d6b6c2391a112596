/** ObjectStore over one S3 bucket. */
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';

function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey || error instanceof NotFound) return true;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

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
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: `${contentType}; charset=utf-8` }),
    );
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    // A known length lets the SDK stream the file in one PUT without buffering it (Lambda's /tmp holds it).
    const { size } = await stat(path);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentType,
      }),
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
