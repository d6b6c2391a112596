/**
 * The chaos run: the local stack's own functions (the built bundles) against a network that fails under them, with
 * triggers that race, poison messages and a channel that never answers, checked against the promises the README
 * makes. `make chaos` runs a larger one and prints its figures; test/e2e/chaos.test.ts runs a small one in `make test`.
 *
 *   node --import tsx src/local/chaos.ts [--podcasts N] [--rate R] [--seed S]
 *
 * Faults (fault-proxy.ts, drawn from one seed so a run can be repeated): lost responses to DynamoDB writes and to SQS
 * sends (the SDK retries a write that already happened), connection resets, delays, 500s from S3, a crash of the
 * collector right after it stored content.json and of the generator right after it stored the MP3.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { SqsDeadLetterQueue } from '../adapters/sqs-dead-letter-queue.ts';
import { SqsQueue } from '../adapters/sqs-queue.ts';
import { TelegramExportStore, jsonBody } from '../adapters/telegram-export-reader.ts';
import { createChannelReaders } from '../adapters/channel-readers.ts';
import { parseEpisodeContent } from '../core/contracts.ts';
import { IN_FLIGHT, TERMINAL, type Episode } from '../core/episodes/status.ts';
import { errorMessage } from '../core/errors.ts';
import { createOperations } from '../core/operations.ts';
import { systemClock, type InspectedLetter } from '../core/ports.ts';
import { action, type FaultRule, type ProxiedRequest } from './fault-proxy.ts';
import { startLocalStack, type FunctionFaults, type LocalStack } from './stack.ts';

export interface ChaosOptions {
  /** Podcasts with a readable channel; one more has a channel whose export never loads (retried into the DLQ). */
  podcasts: number;
  /** Chance of a fault on each matching request. */
  rate: number;
  seed: number;
  /** Poison messages (not JSON, schema-invalid) sent straight to each queue. */
  poison: number;
  /** Give up waiting for a round's episodes after this long. */
  timeoutSeconds: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seconds: number;
  episodes: Record<Episode['status'], number>;
  triggers: { started: number; refused: number; errors: string[] };
  faults: Record<string, number>;
  requests: number;
  /** Letters in each DLQ, and how many distinct bodies they hold (a lost send response can copy a letter twice). */
  deadLetters: { collection: number; processing: number; distinct: number };
  /** The most episodes of one podcast seen in flight at once (the promise: 1). */
  maxInFlight: number;
  /** Every broken promise, in words; empty when the run kept them all. */
  violations: string[];
}

/** Lambda-like timeouts small enough for a test, with the visibility timeouts 6 × them, as Terraform requires. */
const TIMEOUTS = { telegram: 4, podcastfy: 12, scheduler: 30 } as const;
const VISIBILITY = { collection: 6 * TIMEOUTS.telegram, processing: 6 * TIMEOUTS.podcastfy } as const;
const FLAKY_CHANNEL = 'chaos_unreachable';

const writes = (request: ProxiedRequest) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(request.action ?? '');
const s3Put = (fragment: string) => (request: ProxiedRequest) => request.method === 'PUT' && request.path.includes(fragment);

/** The fault rules of one function, at `rate`. */
function rulesFor(name: string, rate: number): { sqs: FaultRule[]; dynamodb: FaultRule[] } {
  const every = Number.POSITIVE_INFINITY;
  return {
    dynamodb: [
      { name: `${name}: DynamoDB write response lost`, match: writes, fault: { kind: 'lose-response' }, times: every, probability: rate },
      { name: `${name}: DynamoDB connection reset`, match: () => true, fault: { kind: 'reset' }, times: every, probability: rate / 2 },
      { name: `${name}: DynamoDB delayed`, match: () => true, fault: { kind: 'delay', ms: 150 }, times: every, probability: rate },
    ],
    sqs: [
      { name: `${name}: SQS send response lost`, match: action('SendMessage'), fault: { kind: 'lose-response' }, times: every, probability: rate },
      { name: `${name}: SQS connection reset`, match: (r) => r.action !== undefined, fault: { kind: 'reset' }, times: every, probability: rate / 2 },
      { name: `${name}: S3 500`, match: (r) => r.action === undefined, fault: { kind: 'status', status: 500, body: '<Error><Code>InternalError</Code><Message>chaos</Message></Error>', headers: { 'content-type': 'application/xml' } }, times: every, probability: rate / 2 },
      // A 500, not a 503 SlowDown: the SDK backs off throttling for seconds, longer than these short function timeouts.
      { name: `${name}: S3 channel never answers`, match: (r) => r.path.includes(`channel-exports/${FLAKY_CHANNEL}/`), fault: { kind: 'status', status: 500, body: '<Error><Code>InternalError</Code><Message>chaos: unreachable</Message></Error>', headers: { 'content-type': 'application/xml' } }, times: every },
    ],
  };
}

function install(faults: FunctionFaults, rules: { sqs: FaultRule[]; dynamodb: FaultRule[] }): void {
  // Specific rules first: the first matching rule with a draw that hits is the one applied.
  for (const rule of [...rules.sqs].reverse()) faults.sqs.add(rule);
  for (const rule of rules.dynamodb) faults.dynamodb.add(rule);
}

/**
 * A channel export of posts `1..count`, post `i` published at `first + (i - 1)` minutes: a later round exports the same
 * posts at the same times plus newer ones, as a live channel would.
 */
function channelExport(channel: string, count: number, first: Date): unknown {
  const messages = Array.from({ length: count }, (_, i) => {
    const id = i + 1;
    const at = Math.floor(first.getTime() / 1000) + i * 60;
    return {
      id,
      type: 'message',
      date: new Date(at * 1000).toISOString().slice(0, 19),
      date_unixtime: String(at),
      text: `Story ${id} from ${channel}: a small team shipped a faster build tool. It compiles twice as quickly.`,
    };
  });
  return { name: channel, type: 'public_channel', id: 1, messages };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const stack = await startLocalStack({
    sqsPort: 0,
    dynamodbPort: 0,
    logs: 'silent',
    faults: { seed: options.seed },
    visibilityTimeoutSeconds: VISIBILITY,
    waitTimeSeconds: 1,
    functions: {
      telegram: { timeoutSeconds: TIMEOUTS.telegram },
      podcastfy: { timeoutSeconds: TIMEOUTS.podcastfy },
      scheduler: { timeoutSeconds: TIMEOUTS.scheduler },
    },
  });
  try {
    return await scenario(stack, options, log, started);
  } finally {
    await stack.stop();
  }
}

async function scenario(stack: LocalStack, options: ChaosOptions, log: (line: string) => void, started: number): Promise<ChaosReport> {
  const doc = DynamoDBDocumentClient.from(stack.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const { queues } = stack.resources;
  const sqs = new SqsQueue(stack.clients.sqs);
  const named = (url: string) => ({ name: url.split('/').pop() ?? url, url });
  const episodes = new DynamoEpisodeRepository(doc, stack.resources.table);
  const ops = createOperations({
    podcasts: new DynamoPodcastRepository(doc, stack.resources.table),
    episodes,
    queue: sqs,
    inspector: sqs,
    clock: systemClock,
    channelExports: new TelegramExportStore(new S3ObjectStore(stack.clients.s3, stack.resources.bucket)),
    readers: createChannelReaders({ objects: new S3ObjectStore(stack.clients.s3, stack.resources.bucket), webUrl: stack.env.TELEGRAM_WEB_URL ?? 'https://t.me', sessionSecretId: '' }),
    queues: {
      collection: { queue: named(queues.collection!.url), dlq: named(queues.collection!.dlqUrl) },
      processing: { queue: named(queues.processing!.url), dlq: named(queues.processing!.dlqUrl) },
    },
    deadLetters: {
      collection: new SqsDeadLetterQueue(stack.clients.sqs, { source: queues.collection!.url, dlq: queues.collection!.dlqUrl }),
      processing: new SqsDeadLetterQueue(stack.clients.sqs, { source: queues.processing!.url, dlq: queues.processing!.dlqUrl }),
    },
    objects: new S3ObjectStore(stack.clients.s3, stack.resources.bucket),
    publicBaseUrl: stack.env.PUBLIC_BASE_URL ?? '',
  });

  // The operator's own calls are not under chaos: the faults are on the functions' side of the network.
  const podcastIds = Array.from({ length: options.podcasts }, (_, i) => `chaos-${i + 1}`);
  // Three posts before round one, two more (minutes later) before round two.
  const first = new Date(Date.now() - 4 * 60_000);
  const flakyId = 'chaos-unreachable';
  for (const id of podcastIds) {
    await ops.putPodcast({ podcast_id: id, name: `Chaos ${id}`, telegram_channels: [`@${id.replace('-', '_')}_chan`], window_hours: 2, min_post_length: 10 });
    await ops.importChannelExport(`@${id.replace('-', '_')}_chan`, jsonBody(channelExport(`${id}_chan`, 3, first)));
  }
  await ops.putPodcast({ podcast_id: flakyId, name: 'Unreachable', telegram_channels: [`@${FLAKY_CHANNEL}`], window_hours: 2 });
  await ops.importChannelExport(`@${FLAKY_CHANNEL}`, jsonBody(channelExport(FLAKY_CHANNEL, 2, first)));

  for (const name of ['telegram', 'podcastfy', 'scheduler'] as const) install(stack.faults[name]!, rulesFor(name, options.rate));
  // A crash at a chosen point of each stage: right after the write that matters most, before anyone hears of it.
  stack.faults.telegram!.sqs.add({ name: 'telegram: crash after storing content.json', match: s3Put('content.json'), fault: { kind: 'crash' } });
  stack.faults.podcastfy!.sqs.add({ name: 'podcastfy: crash after storing the MP3', match: s3Put('episode.mp3'), fault: { kind: 'crash' } });

  // Watch for two episodes of one podcast in flight at once, for the whole run.
  let maxInFlight = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      for (const id of [...podcastIds, flakyId]) {
        const inFlight = (await episodes.listForPodcast(id, { limit: 10 }).catch(() => [])).filter((e) => e.trigger !== 'direct' && IN_FLIGHT.includes(e.status));
        maxInFlight = Math.max(maxInFlight, inFlight.length);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();

  const triggers = { started: 0, refused: 0, errors: [] as string[] };
  const trigger = async (id: string) => {
    try {
      await ops.startEpisode(id);
      triggers.started += 1;
    } catch (error) {
      if ((error as Error).name === 'EpisodeInFlightError') triggers.refused += 1;
      else triggers.errors.push(`${id}: ${errorMessage(error)}`);
    }
  };

  const poison: string[] = [];
  for (let i = 0; i < options.poison; i++) {
    for (const queue of [queues.collection!, queues.processing!]) {
      const bodies = [`not json ${i}`, JSON.stringify({ schema_version: 1, podcast_id: 'chaos-1', episode_id: `bad-${i}` })];
      for (const body of bodies) {
        poison.push(body);
        await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      }
    }
  }

  // Round one: every podcast gets two operator triggers at once and a scheduler tick beside them.
  log(`round 1: ${podcastIds.length + 1} podcasts, racing triggers and a tick`);
  await Promise.all([...[...podcastIds, flakyId].flatMap((id) => [trigger(id), trigger(id)]), stack.invoke('scheduler', { trigger: 'schedule' }).catch(() => undefined)]);
  await settle(episodes, [...podcastIds, flakyId], options.timeoutSeconds, log);

  // Round two: new posts arrive; each podcast's next episode must take only those.
  log('round 2: new posts, triggers again');
  // Posts 4 and 5 are published just now, after round one's episodes were created (seconds, as exports date them).
  const now = Math.floor(Date.now() / 1000);
  for (const id of podcastIds) {
    const data = channelExport(`${id}_chan`, 5, first) as { messages: Array<{ id: number; date: string; date_unixtime: string }> };
    for (const m of data.messages.filter((m) => m.id > 3)) {
      const at = now - (6 - m.id);
      Object.assign(m, { date: new Date(at * 1000).toISOString().slice(0, 19), date_unixtime: String(at) });
    }
    await ops.importChannelExport(`@${id.replace('-', '_')}_chan`, jsonBody(data));
  }
  await Promise.all([...podcastIds.flatMap((id) => [trigger(id), trigger(id)]), stack.invoke('scheduler', { trigger: 'schedule' }).catch(() => undefined)]);
  const all = await settle(episodes, [...podcastIds, flakyId], options.timeoutSeconds, log);
  watching = false;
  await watch;

  // Quiet the network before reading the results back.
  for (const f of Object.values(stack.faults)) for (const proxy of [f.sqs, f.dynamodb]) proxy.clear();
  const violations = await check(stack, all, { podcastIds, flakyId, poison, maxInFlight, triggers }, ops.inspectDeadLetters);

  const faults: Record<string, number> = {};
  let requests = 0;
  for (const f of Object.values(stack.faults)) {
    for (const proxy of [f.sqs, f.dynamodb]) {
      for (const [rule, n] of proxy.injected) faults[rule] = (faults[rule] ?? 0) + n;
      for (const n of proxy.seen.values()) requests += n;
    }
  }
  const count = (status: Episode['status']) => all.filter((e) => e.status === status).length;
  return {
    seconds: Math.round((Date.now() - started) / 100) / 10,
    episodes: Object.fromEntries((['pending', 'collecting', 'collected', 'generating', 'completed', 'failed', 'skipped'] as const).map((s) => [s, count(s)])) as ChaosReport['episodes'],
    triggers,
    faults,
    requests,
    deadLetters: {
      collection: await depth(stack, queues.collection!.dlqUrl),
      processing: await depth(stack, queues.processing!.dlqUrl),
      distinct: new Set([...(await ops.inspectDeadLetters('collection', 200)), ...(await ops.inspectDeadLetters('processing', 200))].map((l) => l.body)).size,
    },
    maxInFlight,
    violations,
  };
}

/** Waits until every episode of these podcasts is terminal (or the deadline passes); returns them all. */
async function settle(episodes: DynamoEpisodeRepository, podcastIds: string[], timeoutSeconds: number, log: (line: string) => void): Promise<Episode[]> {
  const started = Date.now();
  for (;;) {
    const all = (await Promise.all(podcastIds.map((id) => episodes.listForPodcast(id)))).flat();
    const open = all.filter((e) => !TERMINAL.includes(e.status));
    if (open.length === 0) return all;
    if (Date.now() - started > timeoutSeconds * 1000) {
      log(`gave up waiting: ${open.map((e) => `${e.podcast_id}/${e.episode_id} ${e.status}`).join(', ')}`);
      return all;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function depth(stack: LocalStack, url: string): Promise<number> {
  const out = await stack.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

interface Expectations {
  podcastIds: string[];
  flakyId: string;
  poison: string[];
  maxInFlight: number;
  triggers: ChaosReport['triggers'];
}

/** The README's promises, checked against what the run left behind. */
async function check(
  stack: LocalStack,
  all: Episode[],
  expected: Expectations,
  inspect: (which: string, max?: number) => Promise<InspectedLetter[]>,
): Promise<string[]> {
  const violations: string[] = [];
  const objects = new S3ObjectStore(stack.clients.s3, stack.resources.bucket);
  for (const e of all) {
    const id = `${e.podcast_id}/${e.episode_id}`;
    if (!TERMINAL.includes(e.status)) violations.push(`${id} never settled: still ${e.status}${e.last_error ? ` (${e.last_error})` : ''}`);
    if (e.status === 'failed' && (!e.error || !e.failed_stage)) violations.push(`${id} failed without its reason and stage`);
    if (e.status === 'skipped' && !e.skip_reason) violations.push(`${id} skipped without a reason`);
  }
  if (expected.maxInFlight > 1) violations.push(`a podcast had ${expected.maxInFlight} episodes in flight at once`);
  for (const error of expected.triggers.errors) violations.push(`a trigger failed: ${error}`);

  // Each post in at most one completed episode; every readable podcast completed an episode in each round.
  for (const podcastId of expected.podcastIds) {
    const completed = all.filter((e) => e.podcast_id === podcastId && e.status === 'completed');
    if (completed.length < 2) violations.push(`${podcastId} completed ${completed.length} episode(s), not one per round: ${all.filter((e) => e.podcast_id === podcastId).map((e) => `${e.status}${e.error ? ` (${e.error})` : ''}`).join('; ')}`);
    const seen = new Map<string, string>();
    for (const e of completed) {
      const content = parseEpisodeContent(await objects.getJson(e.content_key ?? ''));
      for (const post of content.posts) {
        const key = `${post.channel}#${post.id}`;
        if (seen.has(key)) violations.push(`post ${key} is in two completed episodes: ${seen.get(key)} and ${e.episode_id}`);
        seen.set(key, e.episode_id);
      }
      // No MP3 rewritten once its episode completed.
      const head = await stack.clients.s3.send(new HeadObjectCommand({ Bucket: stack.resources.bucket, Key: e.audio_key ?? '' })).catch(() => undefined);
      if (!head) violations.push(`${podcastId}/${e.episode_id} completed without its MP3`);
      else if (head.LastModified && e.completed_at && head.LastModified.getTime() > new Date(e.completed_at).getTime() + 1000) {
        violations.push(`${podcastId}/${e.episode_id}: the MP3 was written again after the episode completed`);
      }
    }
  }

  // The unreachable channel's episode: retried, then failed after exactly max_receive_count receives, in the DLQ.
  const flaky = all.filter((e) => e.podcast_id === expected.flakyId);
  const flakyFailed = flaky.find((e) => e.status === 'failed');
  if (!flakyFailed) violations.push(`the unreachable channel's episode did not fail: ${flaky.map((e) => e.status).join(', ')}`);
  else if (!/gave up after 3 receives/.test(flakyFailed.error ?? '')) violations.push(`the unreachable channel's episode failed without 3 receives: ${flakyFailed.error}`);

  // Every poison message in its DLQ with its reason; no letter for an episode that did not fail.
  const letters = [...(await inspect('collection', 200)), ...(await inspect('processing', 200))];
  for (const body of expected.poison) {
    const letter = letters.find((l) => l.body === body);
    if (!letter) violations.push(`poison message ${body.slice(0, 60)} is not in a DLQ`);
    else if (!letter.reason) violations.push(`poison message ${body.slice(0, 60)} is in a DLQ without its reason`);
  }
  for (const letter of letters) {
    if (expected.poison.includes(letter.body)) continue;
    let named: { podcast_id?: string; episode_id?: string } = {};
    try {
      named = JSON.parse(letter.body) as typeof named;
    } catch {
      violations.push(`an unexpected letter that is not JSON: ${letter.body.slice(0, 60)}`);
      continue;
    }
    const episode = all.find((e) => e.podcast_id === named.podcast_id && e.episode_id === named.episode_id);
    if (episode?.status !== 'failed') {
      violations.push(`a false DLQ letter for ${named.podcast_id}/${named.episode_id} (${episode?.status ?? 'no such episode'}): ${letter.reason ?? 'moved by SQS'}`);
    }
  }
  return violations;
}

function printReport(report: ChaosReport): void {
  const lines = [
    `chaos run: ${report.seconds} s, ${report.requests} requests through the fault proxies`,
    `episodes: ${Object.entries(report.episodes).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}`,
    `triggers: ${report.triggers.started} started, ${report.triggers.refused} refused (one in flight)`,
    `most episodes of one podcast in flight at once: ${report.maxInFlight}`,
    `dead letters: collection ${report.deadLetters.collection}, processing ${report.deadLetters.processing} (${report.deadLetters.distinct} distinct bodies)`,
    'faults injected:',
    ...Object.entries(report.faults).sort().map(([rule, n]) => `  ${String(n).padStart(5)}  ${rule}`),
    report.violations.length ? `BROKEN PROMISES (${report.violations.length}):` : 'every promise kept',
    ...report.violations.map((v) => `  - ${v}`),
  ];
  console.log(lines.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { podcasts: { type: 'string', default: '6' }, rate: { type: 'string', default: '0.15' }, seed: { type: 'string', default: '20261201' }, poison: { type: 'string', default: '3' } },
  });
  const report = await runChaos({
    podcasts: Number(values.podcasts),
    rate: Number(values.rate),
    seed: Number(values.seed),
    poison: Number(values.poison),
    timeoutSeconds: 900,
    log: (line) => console.log(`· ${line}`),
  });
  printReport(report);
  process.exitCode = report.violations.length ? 1 : 0;
}
