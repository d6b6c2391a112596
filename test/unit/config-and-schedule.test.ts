import { expect } from 'chai';
import { CONFIG_KEYS, readConfig, readFunctionConfig } from '../../src/core/config.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { isDue, stuckCutoff } from '../../src/core/episodes/schedule.ts';
import { loadQueueSettings, stuckAfterMinutesFor } from '../../src/local/queue-settings.ts';
import { episode, podcastConfig } from '../helpers/factories.ts';

describe('handler configuration', () => {
  it('reads and types the keys a handler asks for, with defaults', () => {
    const c = readConfig({ TABLE_NAME: 'telecast', PROCESSING_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q' }, [
      'TABLE_NAME',
      'PROCESSING_QUEUE_URL',
      'MAX_RECEIVE_COUNT',
    ]);
    expect(c).to.deep.equal({ TABLE_NAME: 'telecast', PROCESSING_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q', MAX_RECEIVE_COUNT: 3 });
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('lists every missing or malformed key in one error', () => {
    expect(() => readConfig({ PROCESSING_QUEUE_URL: 'not a url', MAX_RECEIVE_COUNT: 'three' }, ['TABLE_NAME', 'PROCESSING_QUEUE_URL', 'MAX_RECEIVE_COUNT']))
      .to.throw(ConfigError)
      .with.property('message')
      .that.includes('TABLE_NAME is not set')
      .and.includes('PROCESSING_QUEUE_URL is not a URL')
      .and.includes('MAX_RECEIVE_COUNT must be an integer');
  });
});

describe("a function's configuration (terraform/functions.json)", () => {
  const functions = { scheduler: { environment: ['TABLE_NAME', 'STUCK_AFTER_MINUTES'] } };

  it('reads and types the keys the manifest gives the function', () => {
    const c = readFunctionConfig('scheduler', { TABLE_NAME: 'telecast', BUCKET_NAME: 'ignored' }, functions);
    expect({ ...c }).to.deep.equal({ TABLE_NAME: 'telecast', STUCK_AFTER_MINUTES: 300 });
    expect(Object.isFrozen(c)).to.equal(true);
  });

  it('refuses a read of a key the manifest does not give the function, even one with a default', () => {
    const c = readFunctionConfig('scheduler', { TABLE_NAME: 'telecast', BUCKET_NAME: 'set but not given' }, functions);
    expect(() => c.BUCKET_NAME).to.throw(ConfigError, 'scheduler reads BUCKET_NAME, which terraform/functions.json does not give it');
    expect(() => c.MAX_RECEIVE_COUNT).to.throw(ConfigError, 'scheduler reads MAX_RECEIVE_COUNT');
  });

  it('refuses a manifest key that CONFIG_KEYS does not define, naming it', () => {
    const unknown = { scheduler: { environment: ['TABLE_NAME', 'ADMIN_TOKEN'] } };
    expect(() => readFunctionConfig('scheduler', { TABLE_NAME: 'telecast' }, unknown)).to.throw(ConfigError, 'gives scheduler ADMIN_TOKEN');
  });

  it('names every missing key of the function at once', () => {
    expect(() => readFunctionConfig('telegram', {}))
      .to.throw(ConfigError)
      .with.property('message')
      .that.includes('TABLE_NAME is not set')
      .and.includes('BUCKET_NAME is not set')
      .and.includes('PROCESSING_QUEUE_URL is not set')
      .and.includes('COLLECTION_DLQ_URL is not set');
  });
});

describe('the stuck sweep default (STUCK_AFTER_MINUTES)', () => {
  it('is the longest retry span of the queues (visibility x max_receive_count) plus 30 minutes', () => {
    const settings = loadQueueSettings();
    const slow = { ...settings.processing!, visibility_timeout_seconds: 6000, max_receive_count: 5 };
    expect(stuckAfterMinutesFor({ ...settings, processing: slow })).to.equal(500 + 30);
  });

  it('derived from the committed queue-settings.json, equals the handlers\' default in CONFIG_KEYS', () => {
    expect(String(stuckAfterMinutesFor(loadQueueSettings()))).to.equal(CONFIG_KEYS.STUCK_AFTER_MINUTES.default);
  });
});

describe('which podcasts are due', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const podcast = podcastConfig({ episode_frequency_hours: 24 });

  it('a podcast with no episodes is due', () => {
    expect(isDue(podcast, undefined, now)).to.deep.equal({ due: true });
  });

  it('is due once the frequency has passed since the last episode, not before', () => {
    expect(isDue(podcast, episode({ status: 'completed' }, new Date('2026-11-28T12:00:00.000Z')), now).due).to.equal(true);
    expect(isDue(podcast, episode({ status: 'completed' }, new Date('2026-11-28T12:30:00.000Z')), now).due).to.equal(false);
  });

  it('does not slip a tick when the last episode was created a moment after its tick', () => {
    // Started by the 12:00:00.180 tick yesterday, created at 12:00:00.420: today's 12:00:00.180 tick must start the next.
    const latest = episode({ status: 'completed' }, new Date('2026-11-28T12:00:00.420Z'));
    expect(isDue(podcast, latest, new Date('2026-11-29T12:00:00.180Z')).due).to.equal(true);
    expect(isDue(podcast, latest, new Date(`2026-11-29T${String(12 - 1)}:50:00.000Z`)).due).to.equal(false);
  });

  it('is never due while an episode is in flight', () => {
    for (const status of ['pending', 'collecting', 'collected', 'generating'] as const) {
      const d = isDue(podcast, episode({ status }, new Date('2026-11-01T00:00:00.000Z')), now);
      expect(d.due, status).to.equal(false);
    }
  });

  it('a failed episode waits for the frequency like any other, so failures do not storm', () => {
    expect(isDue(podcast, episode({ status: 'failed' }, new Date('2026-11-29T11:00:00.000Z')), now).due).to.equal(false);
  });

  it('a disabled podcast is never due', () => {
    expect(isDue(podcastConfig({ enabled: false }), undefined, now)).to.deep.equal({ due: false, reason: 'disabled' });
  });

  it('counts stuck episodes from a cut-off in the past', () => {
    expect(stuckCutoff(now, 90)).to.equal('2026-11-29T10:30:00.000Z');
  });
});
