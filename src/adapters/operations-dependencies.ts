/**
 * The operations' dependencies over AWS (or the local stack): one builder for every composition root that runs
 * operations (the CLI, the admin function). Everything is built on first use: an operation talks to one or two
 * services, and a caller that reads its settings lazily needs only those of what it touches.
 */
import { createDynamoClient, createS3Client, createSqsClient, usesCustomS3Endpoint } from './aws-clients.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from './dynamo-repository.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { SqsDeadLetterQueue } from './sqs-dead-letter-queue.ts';
import { SqsQueue, queueNameOf } from './sqs-queue.ts';
import { TelegramExportStore } from './telegram-export-reader.ts';
import { createChannelReaders } from './channel-readers.ts';
import type { NamedQueue, OperationsDeps } from '../core/operations.ts';
import { systemClock, type PipelineQueue } from '../core/ports.ts';

/** An object whose properties are each made by their function on first read, then kept. */
export function lazy<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const made: Partial<T> = {};
  const out = {} as T;
  for (const key of Object.keys(makers) as Array<keyof T>) {
    Object.defineProperty(out, key, { enumerable: true, get: () => (made[key] ??= makers[key]()) });
  }
  return out;
}

/** Where the operations' state lives; read when first needed (pass getters, e.g. from {@link lazy}, to defer). */
export interface OperationsSettings {
  table: string;
  bucket: string;
  queueUrls: { collection: string; collectionDlq: string; processing: string; processingDlq: string };
  /** TELEGRAM_WEB_URL and TELEGRAM_SESSION_SECRET_ID: where channels are checked for being readable. */
  telegram: { webUrl: string; sessionSecretId: string };
  /** PUBLIC_BASE_URL: where the public feeds are served ('' when publishing is not configured). */
  publicBaseUrl: string;
}

export type OperationsClients = ReturnType<typeof createClients>;

function createClients(env: Record<string, string | undefined>) {
  return lazy({
    sqs: () => createSqsClient(),
    s3: () => createS3Client({ forcePathStyle: usesCustomS3Endpoint(env) }),
    dynamo: () => createDynamoClient(),
  });
}

/** The dependencies and the SDK clients they use (a caller may need one for more, e.g. presigning). */
export function operationsDependencies(
  settings: OperationsSettings,
  env: Record<string, string | undefined>,
): { deps: OperationsDeps; clients: OperationsClients } {
  const clients = createClients(env);
  const named = (url: string): NamedQueue => ({ name: queueNameOf(url), url });
  const config = lazy({
    queues: () => {
      const urls = settings.queueUrls;
      return {
        collection: { queue: named(urls.collection), dlq: named(urls.collectionDlq) },
        processing: { queue: named(urls.processing), dlq: named(urls.processingDlq) },
      };
    },
  });
  const shared = lazy({ sqsQueue: () => new SqsQueue(clients.sqs) });
  const deadLetterQueue = (which: PipelineQueue) =>
    new SqsDeadLetterQueue(clients.sqs, { source: config.queues[which].queue.url, dlq: config.queues[which].dlq.url });
  const deps = lazy<OperationsDeps>({
    clock: () => systemClock,
    podcasts: () => new DynamoPodcastRepository(clients.dynamo, settings.table),
    episodes: () => new DynamoEpisodeRepository(clients.dynamo, settings.table),
    queue: () => shared.sqsQueue,
    inspector: () => shared.sqsQueue,
    channelExports: () => new TelegramExportStore(new S3ObjectStore(clients.s3, settings.bucket)),
    // Operations only ask whether channels can be read; they never read them with the session.
    readers: () =>
      createChannelReaders({
        objects: new S3ObjectStore(clients.s3, settings.bucket),
        webUrl: settings.telegram.webUrl,
        sessionSecretId: settings.telegram.sessionSecretId,
        }),
    queues: () => config.queues,
    deadLetters: () => ({ collection: deadLetterQueue('collection'), processing: deadLetterQueue('processing') }),
    objects: () => new S3ObjectStore(clients.s3, settings.bucket),
    publicBaseUrl: () => settings.publicBaseUrl,
  });
  return { deps, clients };
}
