/**
 * The CLI's composition root: the operations' dependencies over AWS (or the local stack), from the environment.
 * Everything is built on first use: a command talks to one or two services, not all three, and needs only the
 * variables of what it touches (`podcast list` needs no queue URLs).
 */
import { createDynamoClient, createS3Client, createSqsClient, usesCustomS3Endpoint } from '../adapters/aws-clients.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { SqsDeadLetterQueue } from '../adapters/sqs-dead-letter-queue.ts';
import { SqsQueue, queueNameOf } from '../adapters/sqs-queue.ts';
import { TelegramExportStore } from '../adapters/telegram-export-reader.ts';
import { readConfig } from '../core/config.ts';
import type { OperationsDeps } from '../core/operations.ts';
import { systemClock, type PipelineQueue } from '../core/ports.ts';

/** An object whose properties are each made by their function on first read, then kept. */
function lazy<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const made: Partial<T> = {};
  const out = {} as T;
  for (const key of Object.keys(makers) as Array<keyof T>) {
    Object.defineProperty(out, key, { enumerable: true, get: () => (made[key] ??= makers[key]()) });
  }
  return out;
}

export function dependenciesFromEnv(env: Record<string, string | undefined>): OperationsDeps {
  const clients = lazy({
    sqs: () => createSqsClient(),
    s3: () => createS3Client({ forcePathStyle: usesCustomS3Endpoint(env) }),
    dynamo: () => createDynamoClient(),
  });
  const config = lazy({
    table: () => readConfig(env, ['TABLE_NAME']).TABLE_NAME,
    bucket: () => readConfig(env, ['BUCKET_NAME']).BUCKET_NAME,
    // All four URLs at once, so a missing one is named together with the others.
    queues: () => {
      const c = readConfig(env, ['COLLECTION_QUEUE_URL', 'COLLECTION_DLQ_URL', 'PROCESSING_QUEUE_URL', 'PROCESSING_DLQ_URL']);
      const named = (url: string) => ({ name: queueNameOf(url), url });
      return {
        collection: { queue: named(c.COLLECTION_QUEUE_URL), dlq: named(c.COLLECTION_DLQ_URL) },
        processing: { queue: named(c.PROCESSING_QUEUE_URL), dlq: named(c.PROCESSING_DLQ_URL) },
      };
    },
  });
  const shared = lazy({ sqsQueue: () => new SqsQueue(clients.sqs) });
  const deadLetterQueue = (which: PipelineQueue) =>
    new SqsDeadLetterQueue(clients.sqs, { source: config.queues[which].queue.url, dlq: config.queues[which].dlq.url });
  return lazy<OperationsDeps>({
    clock: () => systemClock,
    podcasts: () => new DynamoPodcastRepository(clients.dynamo, config.table),
    episodes: () => new DynamoEpisodeRepository(clients.dynamo, config.table),
    queue: () => shared.sqsQueue,
    inspector: () => shared.sqsQueue,
    channelExports: () => new TelegramExportStore(new S3ObjectStore(clients.s3, config.bucket)),
    queues: () => config.queues,
    deadLetters: () => ({ collection: deadLetterQueue('collection'), processing: deadLetterQueue('processing') }),
  });
}
