/** Real-shaped test data: podcast configs, episodes, posts and Lambda SQS events. */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parsePodcastConfig, type PodcastConfig } from '../../src/core/contracts.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import type { ChannelPost, EpisodeContent } from '../../src/core/ports.ts';
import type { Script, ScriptTurn } from '../../src/core/generation/script.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import type { FunctionUrlEvent } from '../../src/admin/http.ts';

export function podcastConfig(overrides: Partial<PodcastConfig> = {}): PodcastConfig {
  return parsePodcastConfig({
    podcast_id: 'tech-pulse',
    name: 'Tech Pulse',
    creator: 'Telecast',
    slogan: 'the week in tech, in ten minutes',
    telegram_channels: ['@telecast_sample'],
    window_hours: 24,
    ...overrides,
  });
}

export function episode(overrides: Partial<Episode> = {}, createdAt = new Date('2026-11-29T07:00:00.123Z')): Episode {
  return { ...newEpisode({ podcast_id: 'tech-pulse' }, 'manual', createdAt), ...overrides };
}

/** A post; its default text names its channel and id, so two default posts are two stories (the collector merges repeats). */
export function post(overrides: Partial<ChannelPost> = {}): ChannelPost {
  const channel = overrides.channel ?? 'telecast_sample';
  const id = overrides.id ?? 101;
  return {
    channel,
    id,
    date: '2026-11-29T06:00:00.000Z',
    text: `A new open-source database engine promises ten times faster analytics on commodity hardware (${channel} story ${id}).`,
    links: [],
    media: [],
    ...overrides,
  };
}

export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}, receiveCount = 1): SQSRecord {
  const id = overrides.messageId ?? `msg-${Math.random().toString(16).slice(2, 10)}`;
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1796000000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1796000000001',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:podcast-processing-queue',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function lambdaContext(remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '512',
    awsRequestId: 'req-1',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An English two-host script with Alex (male voice) and Dana (female voice) and the given turns. */
export function twoHostScript(turns: ScriptTurn[], title = 'Weekly digest'): Script {
  return {
    language: 'en',
    title,
    speakers: {
      person1: { name: 'Alex', role: 'host', voice: 'en-us+m3' },
      person2: { name: 'Dana', role: 'co-host', voice: 'en-us+f3' },
    },
    turns,
  };
}

/** A Lambda function URL event (payload format 2.0) as the admin function receives it. */
export function functionUrlEvent(
  method: string,
  path: string,
  options: { query?: string; headers?: Record<string, string>; cookies?: string[]; body?: string; sourceIp?: string; host?: string } = {},
): FunctionUrlEvent {
  const host = options.host ?? 'abc123.lambda-url.eu-central-1.on.aws';
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { host, 'user-agent': 'spec', ...options.headers },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
    requestContext: { http: { method, path, sourceIp: options.sourceIp ?? '198.51.100.7' }, domainName: host, requestId: 'spec-request' },
  };
}

/** content.json of the default test episode (tech-pulse, a day's window) holding `posts`. */
export function episodeContent(posts: ChannelPost[], overrides: Partial<EpisodeContent> = {}): EpisodeContent {
  return {
    schema_version: 1,
    podcast_id: 'tech-pulse',
    episode_id: '20261129T070000000Z',
    channels: ['telecast_sample'],
    window: { from: '2026-11-28T07:00:00.000Z', to: '2026-11-29T07:00:00.000Z' },
    collected_at: '2026-11-29T07:00:01.000Z',
    posts,
    ...overrides,
  };
}
