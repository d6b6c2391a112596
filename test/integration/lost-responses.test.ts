/**
 * A write whose response is lost: the store applied it, the SDK did not hear back and retries it. The retry meets the
 * condition its own first try already changed; it must be recognised as ours and succeed, not reported as a conflict.
 */
import { expect } from 'chai';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEpisodeRepository } from '../../src/adapters/dynamo-repository.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { ConflictError } from '../../src/core/errors.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/clients.ts';
import { FaultProxy, action } from '../../src/local/fault-proxy.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

describe('conditional writes whose responses are lost (dynalite behind the fault proxy)', function () {
  this.timeout(30_000);
  let aws: EmulatedAws;
  let proxy: FaultProxy;
  let episodes: DynamoEpisodeRepository;
  let seq = 0;
  before(async () => {
    aws = await startEmulatedAws();
    proxy = new FaultProxy({ upstream: aws.emulators.endpoints.dynamodb });
    await proxy.start();
    const client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: proxy.endpoint });
    episodes = new DynamoEpisodeRepository(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), aws.resources.table);
  });
  afterEach(() => proxy.clear());
  after(async () => {
    await proxy?.stop();
    await aws?.stop();
  });

  const fresh = () => newEpisode({ podcast_id: 'lossy-show' }, 'manual', new Date(Date.UTC(2026, 10, 29, 7, 0, 0, seq++)));
  const keyOf = (e: { podcast_id: string; episode_id: string }) => ({ podcastId: e.podcast_id, episodeId: e.episode_id });

  it('an episode create retried after its response was lost succeeds and leaves one record', async () => {
    const episode = fresh();
    proxy.add({ name: 'lose create', match: action('PutItem'), fault: { kind: 'lose-response' } });
    await episodes.create(episode);
    expect(proxy.injected.get('lose create')).to.equal(1);
    expect(await episodes.get(keyOf(episode))).to.include({ status: 'pending', episode_id: episode.episode_id });
  });

  it('a transition retried after its response was lost succeeds with the state it wrote', async () => {
    const episode = fresh();
    await episodes.create(episode);
    await episodes.apply('claimCollection', keyOf(episode), {}, new Date());
    proxy.add({ name: 'lose markCollected', match: action('UpdateItem', '"collected"'), fault: { kind: 'lose-response' } });
    const collected = await episodes.apply('markCollected', keyOf(episode), { content_key: 'k' }, new Date());
    expect(proxy.injected.get('lose markCollected')).to.equal(1);
    expect(collected).to.include({ status: 'collected', content_key: 'k' });
  });

  it('a claim retried after its response was lost counts one try, not two', async () => {
    const episode = fresh();
    await episodes.create(episode);
    proxy.add({ name: 'lose claim', match: action('UpdateItem', '"collecting"'), fault: { kind: 'lose-response' } });
    const claimed = await episodes.apply('claimCollection', keyOf(episode), { lease_expires_at: new Date(Date.now() + 60_000).toISOString() }, new Date());
    expect(claimed).to.include({ status: 'collecting', attempts: 1 });
  });

  it('a create that meets another caller\'s record of the same id is still a conflict', async () => {
    const episode = fresh();
    await episodes.create(episode);
    const error = await episodes.create({ ...episode }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConflictError);
  });

  it('a transition that meets another caller\'s completed work is still a conflict', async () => {
    const episode = fresh();
    await episodes.create(episode);
    await episodes.apply('claimCollection', keyOf(episode), {}, new Date());
    await episodes.apply('markCollected', keyOf(episode), {}, new Date());
    const error = await episodes.apply('markCollected', keyOf(episode), {}, new Date()).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConflictError);
  });
});
