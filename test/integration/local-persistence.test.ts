import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { startLocalStack, type LocalStack } from '../../src/local/stack.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../../src/adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../../src/adapters/s3-object-store.ts';
import { podcastConfig } from '../helpers/factories.ts';

describe('a local stack that keeps its data across restarts', function () {
  this.timeout(60_000);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'telecast-local-data-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const start = () => startLocalStack({ sqsPort: 0, dynamodbPort: 0, dataDir, consumers: false, logs: 'silent', functions: { telegram: false, podcastfy: false, scheduler: false } });
  const repos = (stack: LocalStack) => {
    const doc = DynamoDBDocumentClient.from(stack.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    return {
      podcasts: new DynamoPodcastRepository(doc, stack.resources.table),
      episodes: new DynamoEpisodeRepository(doc, stack.resources.table),
      objects: new S3ObjectStore(stack.clients.s3, stack.resources.bucket),
    };
  };

  it('finds its podcasts, episodes, objects and queued messages again after a stop and a start', async () => {
    const episode = newEpisode({ podcast_id: 'kept-show' }, 'manual', new Date('2026-11-29T07:00:00.000Z'));
    let stack = await start();
    const first = repos(stack);
    await first.podcasts.put(podcastConfig({ podcast_id: 'kept-show' }));
    await first.episodes.create(episode);
    await first.objects.putJson('podcasts/kept-show/x.json', { kept: true });
    await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.resources.queues.collection!.url, MessageBody: '{"kept":true}' }));
    await stack.stop();

    stack = await start();
    try {
      const again = repos(stack);
      expect((await again.podcasts.get('kept-show'))?.podcast_id).to.equal('kept-show');
      expect((await again.episodes.get({ podcastId: 'kept-show', episodeId: episode.episode_id }))?.status).to.equal('pending');
      expect(await again.objects.getJson('podcasts/kept-show/x.json')).to.deep.equal({ kept: true });
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.resources.queues.collection!.url, WaitTimeSeconds: 1 }));
      expect(out.Messages?.map((m) => m.Body)).to.deep.equal(['{"kept":true}']);
    } finally {
      await stack.stop();
    }
  });
});
