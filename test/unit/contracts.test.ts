import { expect } from 'chai';
import {
  parseCollectionRequest,
  parseJsonBody,
  parsePodcastConfig,
  parseProcessingMessage,
  identifyEpisode,
} from '../../src/core/contracts.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { messageBelongsTo, processingMessageFor } from '../../src/core/handoff.ts';

const validProcessing = {
  schema_version: 1,
  podcast_config_id: 'tech-pulse',
  podcast_id: 'tech-pulse',
  episode_id: '20261129T070000123Z',
  result: {
    channels: ['telecast_sample'],
    message_count: 12,
    window_from: '2026-11-28T07:00:00.123Z',
    window_to: '2026-11-29T07:00:00.123Z',
    content_key: 'podcasts/tech-pulse/20261129T070000123Z/content.json',
  },
  timestamp: '2026-11-29T07:00:00.123Z',
  s3_path: 'podcasts/tech-pulse/20261129T070000123Z/',
};

function violationsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).retryable).to.equal(false);
    return (error as ValidationError).violations;
  }
  throw new Error('expected a ValidationError');
}

describe('podcast configuration schema', () => {
  it('fills every default for a minimal configuration', () => {
    const config = parsePodcastConfig({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'] });
    expect(config).to.include({ language: 'en', window_hours: 24, episode_frequency_hours: 24, creativity: 0.7, enabled: true });
    expect(config.speakers.person1.name).to.be.a('string').and.not.empty;
    expect(config.filtered_domains).to.deep.equal([]);
  });

  it('accepts Hebrew podcasts and every domain filter kind', () => {
    const config = parsePodcastConfig({
      podcast_id: 'hadashot',
      name: 'חדשות טק',
      language: 'he',
      telegram_channels: ['https://t.me/geektime_il'],
      filtered_domains: [
        { match: 'exact', value: 'bit.ly' },
        { match: 'starts_with', value: 'ads.' },
        { match: 'ends_with', value: 'doubleclick.net' },
        { match: 'contains', value: 'tracker' },
      ],
      media_types: ['photo', 'video'],
    });
    expect(config.language).to.equal('he');
    expect(config.filtered_domains).to.have.length(4);
  });

  it('names every violated field at once', () => {
    const v = violationsOf(() =>
      parsePodcastConfig({ podcast_id: 'Bad Id', telegram_channels: [], creativity: 2, language: 'xx', surprise: true }),
    );
    expect(v.join('\n')).to.include('/name is required');
    expect(v.join('\n')).to.include('/podcast_id must match pattern');
    expect(v.join('\n')).to.include('/telegram_channels must NOT have fewer than 1 items');
    expect(v.join('\n')).to.include('/creativity must be <= 1');
    expect(v.join('\n')).to.include('/language must be one of en, he');
    expect(v.join('\n')).to.include('unknown field "surprise"');
  });

  it('takes a source per channel, matched however the channel is written, and names a source that is not a source', () => {
    const config = parsePodcastConfig({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel', 'https://t.me/other_news'], channel_sources: { techchannel: 'web', '@other_news': 'mtproto' } });
    expect(config.channel_sources).to.deep.equal({ techchannel: 'web', '@other_news': 'mtproto' });
    const v = violationsOf(() => parsePodcastConfig({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'], channel_sources: { techchannel: 'rss' } }));
    expect(v.join('\n')).to.include('/channel_sources/techchannel must be one of auto, web, mtproto, export');
  });

  it('refuses a source for a channel the podcast does not read, naming it', () => {
    const v = violationsOf(() => parsePodcastConfig({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'], channel_sources: { '@tehchannel': 'web' } }));
    expect(v).to.deep.equal(['/channel_sources/@tehchannel: @tehchannel is not one of telegram_channels (@techchannel)']);
  });

  it('defaults every channel to the automatic source', () => {
    expect(parsePodcastConfig({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'] }).channel_sources).to.deep.equal({});
  });

  it('does not change the object it validates', () => {
    const input = { podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'] };
    parsePodcastConfig(input);
    expect(input).to.deep.equal({ podcast_id: 'tech', name: 'Tech', telegram_channels: ['@techchannel'] });
  });
});

describe('collection request schema', () => {
  it('accepts a scheduled request', () => {
    const r = parseCollectionRequest({
      schema_version: 1,
      podcast_id: 'tech-pulse',
      episode_id: '20261129T070000123Z',
      trigger: 'schedule',
      requested_at: '2026-11-29T07:00:00.123Z',
    });
    expect(r.trigger).to.equal('schedule');
  });

  it('rejects an unknown trigger, a malformed episode id and an unknown schema version', () => {
    const v = violationsOf(() =>
      parseCollectionRequest({ schema_version: 2, podcast_id: 'tech-pulse', episode_id: 'ep-1', trigger: 'cron', requested_at: 'yesterday' }),
    );
    expect(v).to.have.length(4);
  });
});

describe('processing message schema', () => {
  it("accepts the seed's format with episode_id and schema_version", () => {
    expect(parseProcessingMessage(validProcessing).s3_path).to.equal('podcasts/tech-pulse/20261129T070000123Z/');
  });

  it('rejects an s3_path outside podcasts/<podcast_id>/<timestamp>/', () => {
    const v = violationsOf(() => parseProcessingMessage({ ...validProcessing, s3_path: 'elsewhere/x/' }));
    expect(v[0]).to.include('/s3_path');
  });

  it('rejects content riding in the message instead of in S3', () => {
    const v = violationsOf(() => parseProcessingMessage({ ...validProcessing, result: { ...validProcessing.result, posts: [] } }));
    expect(v[0]).to.include('unknown field "posts"');
  });

  it('rejects an empty collection', () => {
    const v = violationsOf(() => parseProcessingMessage({ ...validProcessing, result: { ...validProcessing.result, message_count: 0 } }));
    expect(v[0]).to.include('/result/message_count');
  });

  it("accepts an operator's request for a new script with the time it was asked", () => {
    const asked = { ...validProcessing, new_script: { requested_at: '2026-11-30T09:15:00.000Z' } };
    expect(parseProcessingMessage(asked).new_script).to.deep.equal({ requested_at: '2026-11-30T09:15:00.000Z' });
  });

  it('rejects a request for a new script without a UTC time to compare the stored script with', () => {
    expect(violationsOf(() => parseProcessingMessage({ ...validProcessing, new_script: true }))[0]).to.include('/new_script must be object');
    expect(violationsOf(() => parseProcessingMessage({ ...validProcessing, new_script: {} }))[0]).to.include('/new_script/requested_at is required');
    expect(violationsOf(() => parseProcessingMessage({ ...validProcessing, new_script: { requested_at: 'yesterday' } }))[0]).to.include(
      '/new_script/requested_at must match pattern',
    );
  });
});

describe('processing message builder', () => {
  const episode = { podcast_id: 'tech-pulse', episode_id: '20261129T070000123Z', timestamp: validProcessing.timestamp, s3_path: validProcessing.s3_path };

  it("keeps the episode's own timestamp in a new-script message, so its failure still marks the episode", () => {
    const asked = processingMessageFor(episode, validProcessing.result, { newScriptRequestedAt: new Date('2026-11-30T09:15:00.000Z') });
    expect(asked).to.include({ timestamp: validProcessing.timestamp });
    expect(asked.new_script).to.deep.equal({ requested_at: '2026-11-30T09:15:00.000Z' });
    expect(messageBelongsTo(asked, { ...episode, created_at: validProcessing.timestamp })).to.equal(true);
  });

  it('asks for no new script unless told to', () => {
    expect(processingMessageFor(episode, validProcessing.result)).to.not.have.property('new_script');
  });
});

describe('message bodies', () => {
  it('a body that is not JSON is a permanent validation error', () => {
    expect(() => parseJsonBody('{not json')).to.throw(ValidationError, 'not JSON');
  });

  it('identifies the episode of an invalid message when it can, for failure reporting', () => {
    expect(identifyEpisode({ podcast_id: 'tech-pulse', episode_id: '20261129T070000123Z', junk: 1 })).to.deep.equal({
      podcastId: 'tech-pulse',
      episodeId: '20261129T070000123Z',
    });
    expect(identifyEpisode({ podcast_id: '../etc', episode_id: '20261129T070000123Z' })).to.equal(undefined);
    expect(identifyEpisode('text')).to.equal(undefined);
  });
});

describe('retry classification', () => {
  // Imported here to keep the contract tests and the failure policy they feed side by side.
  it('treats AWS client faults as permanent, except throttling', async () => {
    const { isRetryable, DownstreamError } = await import('../../src/core/errors.ts');
    const validation = Object.assign(new Error('reserved keyword'), { name: 'ValidationException', $fault: 'client' });
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException', $fault: 'client' });
    const server = Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server' });
    expect(isRetryable(validation)).to.equal(false);
    expect(isRetryable(new DownstreamError('update failed', { cause: validation }))).to.equal(false);
    expect(isRetryable(throttled)).to.equal(true);
    expect(isRetryable(server)).to.equal(true);
    expect(isRetryable(new Error('socket hang up'))).to.equal(true);
  });
});
