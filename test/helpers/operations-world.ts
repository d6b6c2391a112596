/** The operator's operations over a fresh set of in-memory ports, for specs of the operations and the admin API. */
import { createOperations } from '../../src/core/operations.ts';
import { ManualClock, MemoryChannelExports, MemoryObjects, MemoryChannels, MemoryDeadLetterQueue, MemoryEpisodes, MemoryPodcasts, MemoryQueues } from './memory-ports.ts';

export const QUEUE_URLS = {
  collection: 'https://sqs.us-east-1.amazonaws.com/000000000000/telegram-collection-queue',
  collectionDlq: 'https://sqs.us-east-1.amazonaws.com/000000000000/telegram-collection-dlq',
  processing: 'https://sqs.us-east-1.amazonaws.com/000000000000/podcast-processing-queue',
  processingDlq: 'https://sqs.us-east-1.amazonaws.com/000000000000/podcast-processing-dlq',
} as const;

export const PUBLIC_BASE_URL = 'https://d111111abcdef8.cloudfront.net';

export function operationsWorld(clock = new ManualClock(new Date('2026-11-29T07:00:00.123Z'))) {
  const podcasts = new MemoryPodcasts();
  const episodes = new MemoryEpisodes();
  const queues = new MemoryQueues();
  const channelExports = new MemoryChannelExports();
  const readers = new MemoryChannels();
  const objects = new MemoryObjects();
  const deadLetters = {
    collection: new MemoryDeadLetterQueue(queues, QUEUE_URLS.collection),
    processing: new MemoryDeadLetterQueue(queues, QUEUE_URLS.processing),
  };
  const ops = createOperations({
    podcasts,
    episodes,
    queue: queues,
    inspector: queues,
    clock,
    channelExports,
    readers,
    queues: {
      collection: { queue: { name: 'telegram-collection-queue', url: QUEUE_URLS.collection }, dlq: { name: 'telegram-collection-dlq', url: QUEUE_URLS.collectionDlq } },
      processing: { queue: { name: 'podcast-processing-queue', url: QUEUE_URLS.processing }, dlq: { name: 'podcast-processing-dlq', url: QUEUE_URLS.processingDlq } },
    },
    deadLetters,
    objects,
    publicBaseUrl: PUBLIC_BASE_URL,
  });
  return { ops, podcasts, episodes, queues, channelExports, readers, deadLetters, clock, objects };
}
