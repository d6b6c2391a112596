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

function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

export function dependenciesFromEnv(env: Record<string, string | undefined>): OperationsDeps {
  const sqs = once(() => createSqsClient());
  const s3 = once(() => createS3Client({ forcePathStyle: usesCustomS3Endpoint(env) }));
  const dynamo = once(() => createDynamoClient());
  const table = once(() => readConfig(env, ['TABLE_NAME']).TABLE_NAME);
  const queue = once(() => new SqsQueue(sqs()));
  // All four URLs at once, so a missing one is named together with the others.
  const queues = once(() => {
    const c = readConfig(env, ['COLLECTION_QUEUE_URL', 'COLLECTION_DLQ_URL', 'PROCESSING_QUEUE_URL', 'PROCESSING_DLQ_URL']);
    const named = (url: string) => ({ name: queueNameOf(url), url });
    return {
      collection: { queue: named(c.COLLECTION_QUEUE_URL), dlq: named(c.COLLECTION_DLQ_URL) },
      processing: { queue: named(c.PROCESSING_QUEUE_URL), dlq: named(c.PROCESSING_DLQ_URL) },
    };
  });
  const deadLetterQueue = (which: PipelineQueue) => new SqsDeadLetterQueue(sqs(), { source: queues()[which].queue.url, dlq: queues()[which].dlq.url });
  const podcasts = once(() => new DynamoPodcastRepository(dynamo(), table()));
  const episodes = once(() => new DynamoEpisodeRepository(dynamo(), table()));
  const channelExports = once(() => new TelegramExportStore(new S3ObjectStore(s3(), readConfig(env, ['BUCKET_NAME']).BUCKET_NAME)));
  const deadLetters = once(() => ({ collection: deadLetterQueue('collection'), processing: deadLetterQueue('processing') }));

  return {
    clock: systemClock,
    get podcasts() {
      return podcasts();
    },
    get episodes() {
      return episodes();
    },
    get queue() {
      return queue();
    },
    get inspector() {
      return queue();
    },
    get channelExports() {
      return channelExports();
    },
    get queues() {
      return queues();
    },
    get deadLetters() {
      return deadLetters();
    },
  };
}
