/**
 * Helpers for the end-to-end tests (test/e2e): the operator CLI as a subprocess, the sample podcast and channel export,
 * the repositories and the bucket on the stack's emulators, and waiting on episodes and queues.
 *
 * The emulators run inside the test process: the CLI must run asynchronously (execFile), never with spawnSync or
 * execFileSync, or the emulator it talks to cannot answer.
 */
import type { Trigger } from '../../src/core/contracts.ts';
import { collectionRequestFor as coreCollectionRequestFor, processingMessageFor as coreProcessingMessageFor } from '../../src/core/handoff.ts';
import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../../src/adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../../src/adapters/s3-object-store.ts';
import { parsePodcastConfig, type CollectionRequest, type PodcastConfig, type ProcessingMessage } from '../../src/core/contracts.ts';
import type { Episode, EpisodeStatus } from '../../src/core/episodes/status.ts';
import type { EpisodeKey } from '../../src/core/ports.ts';
import { shiftExportDates } from '../../src/local/export-dates.ts';
import { REPO_ROOT } from '../../src/local/stack.ts';
import { sqsRecord } from './factories.ts';
import type { TestStack } from './local-stack.ts';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/telecast.mjs …` with the stack's environment, as an operator would; never throws on a non-zero exit. */
export async function telecast(stack: TestStack, args: string[]): Promise<CliResult> {
  // The CLI is a plain-JS bundle: none of this process's loader flags (tsx) belong in it.
  const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin/telecast.mjs'), ...args], {
      cwd: REPO_ROOT,
      env: { ...env, ...stack.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error; // could not run at all
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the CLI with `--json` and parses its output; throws with stderr when it exits non-zero. */
export async function telecastJson<T>(stack: TestStack, args: string[]): Promise<T> {
  const result = await telecast(stack, [...args, '--json']);
  if (result.code !== 0) throw new Error(`telecast ${args.join(' ')} exited with ${result.code}:\n${result.stderr || result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

// ---- samples ------------------------------------------------------------------------------------------------------

export const SAMPLE_PODCAST_FILE = join(REPO_ROOT, 'samples/podcast.json');
export const SAMPLE_EXPORT_FILE = join(REPO_ROOT, 'test/fixtures/telegram-export/result.json');
export const SAMPLE_CHANNEL = '@telecast_sample';

export interface ExportMessage {
  id: number;
  type: string;
  date: string;
  date_unixtime: string;
  [field: string]: unknown;
}
export interface ExportData {
  messages: ExportMessage[];
  [field: string]: unknown;
}

/** samples/podcast.json as stored (defaults filled), with overrides. */
export function samplePodcast(overrides: Partial<PodcastConfig> = {}): PodcastConfig {
  return parsePodcastConfig({ ...(JSON.parse(readFileSync(SAMPLE_PODCAST_FILE, 'utf8')) as object), ...overrides });
}

/**
 * The sample channel export with every date moved so that the newest message is at `newest` (second precision), as
 * `make demo` does; `onlyIds` keeps just those messages (a short episode renders in a few seconds).
 */
export function sampleExport(newest: Date, onlyIds?: readonly number[]): ExportData {
  const data = JSON.parse(readFileSync(SAMPLE_EXPORT_FILE, 'utf8')) as ExportData;
  const kept = onlyIds ? { ...data, messages: data.messages.filter((m) => onlyIds.includes(m.id)) } : data;
  return shiftExportDates(kept, newest);
}

/** A temporary directory for files the CLI reads; `remove()` in `after`. */
export function tempDir(): { path: string; write(name: string, value: unknown): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'telecast-e2e-'));
  return {
    path,
    write(name, value) {
      const file = join(path, name);
      writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 1));
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

// ---- state on the emulators ---------------------------------------------------------------------------------------

/** The adapters the handlers use, on the stack's own clients. */
export function repositories(stack: TestStack) {
  const db = DynamoDBDocumentClient.from(stack.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    podcasts: new DynamoPodcastRepository(db, stack.resources.table),
    episodes: new DynamoEpisodeRepository(db, stack.resources.table),
    objects: new S3ObjectStore(stack.clients.s3, stack.resources.bucket),
  };
}
export type Repositories = ReturnType<typeof repositories>;

export function keyOf(episode: Pick<Episode, 'podcast_id' | 'episode_id'>): EpisodeKey {
  return { podcastId: episode.podcast_id, episodeId: episode.episode_id };
}

/** Polls the episode record until `until` holds (default: a terminal status). */
export async function waitForEpisode(
  stack: TestStack,
  key: EpisodeKey,
  until: (e: Episode) => boolean = (e) => TERMINAL_STATUSES.includes(e.status),
  timeoutMs = 60_000,
): Promise<Episode> {
  const { episodes } = repositories(stack);
  let last: Episode | undefined;
  try {
    return await stack.waitUntil(
      async () => {
        last = await episodes.get(key);
        return last && until(last) ? last : undefined;
      },
      timeoutMs,
      `episode ${key.podcastId}/${key.episodeId}`,
    );
  } catch (error) {
    throw new Error(`episode is ${JSON.stringify(last, null, 1)}\n${(error as Error).message}`);
  }
}

export const TERMINAL_STATUSES: readonly EpisodeStatus[] = ['completed', 'failed', 'skipped'];
/** The happy path's order; a status seen later must never be earlier in this list. */
export const STATUS_ORDER: readonly EpisodeStatus[] = ['pending', 'collecting', 'collected', 'generating', 'completed'];

export async function getObjectBytes(stack: TestStack, key: string): Promise<Uint8Array> {
  const { Body } = await stack.clients.s3.send(new GetObjectCommand({ Bucket: stack.resources.bucket, Key: key }));
  return Body!.transformToByteArray();
}

export async function getObjectText(stack: TestStack, key: string): Promise<string> {
  return Buffer.from(await getObjectBytes(stack, key)).toString('utf8');
}

export async function headObject(stack: TestStack, key: string): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await stack.clients.s3.send(new HeadObjectCommand({ Bucket: stack.resources.bucket, Key: key }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

// ---- messages and queues ------------------------------------------------------------------------------------------

/** The collection request the trigger sends for an episode (src/core's builder; manual unless said otherwise). */
export function collectionRequestFor(episode: Pick<Episode, 'podcast_id' | 'episode_id' | 'created_at'>, trigger: Trigger = 'manual'): CollectionRequest {
  return coreCollectionRequestFor(episode, trigger);
}

/** The processing message the telegram stage sends for a collected episode, rebuilt from its record. */
export function processingMessageFor(episode: Episode): ProcessingMessage {
  if (!episode.result) throw new Error(`episode ${episode.episode_id} has no collection result`);
  return coreProcessingMessageFor(episode, episode.result);
}

/** On a failed test, print the functions' last log lines: the first thing anyone debugging it needs. */
export function showLogsOnFailure(getStack: () => TestStack | undefined): void {
  afterEach(function () {
    const stack = getStack();
    if (this.currentTest?.state === 'failed' && stack) console.log(`--- last function log lines ---\n${logTail(stack)}`);
  });
}

/** One record in Lambda's SQS event shape, as the event source mapping of `queue` would deliver it on a first receive. */
export function lambdaRecord(stack: TestStack, queue: 'collection' | 'processing', body: string): SQSRecord {
  return sqsRecord(body, {
    messageId: randomUUID(),
    eventSourceARN: stack.resources.queues[queue]!.arn,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
  });
}

export function dlqUrl(stack: TestStack, queue: 'collection' | 'processing'): string {
  return stack.resources.queues[queue]!.dlqUrl;
}

/** Messages and in-flight ones together: zero means nothing waits and nothing is being worked on. */
export async function pendingCount(stack: TestStack, url: string): Promise<number> {
  const d = await stack.depth(url);
  return d.visible + d.inFlight + d.delayed;
}

/**
 * Reads every message of a queue (a key such as `collection`, or a URL, typically a DLQ's) with its attributes, once
 * `count` are visible, and makes them visible again afterwards, so the queue is left as found.
 */
export async function peekMessages(stack: TestStack, queue: string, count: number, timeoutMs = 30_000): Promise<Message[]> {
  const url = stack.resources.queues[queue]?.url ?? queue;
  await stack.waitUntil(async () => (await stack.depth(url)).visible >= count, timeoutMs, `${count} message(s) in ${url}`);
  const seen = new Map<string, Message>();
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) empty += 1;
    for (const m of Messages) seen.set(m.MessageId!, m);
  }
  const messages = [...seen.values()];
  for (let i = 0; i < messages.length; i += 10) {
    await stack.clients.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return messages;
}

/** A message attribute's string value. */
export function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

/** Every delivery of `messageId` to a function, in order, with the invocation that carried it. */
export function deliveriesOf(stack: TestStack, messageId: string) {
  return stack.invocations.flatMap((invocation) =>
    (invocation.records ?? []).filter((r) => r.messageId === messageId).map((record) => ({ receiveCount: record.receiveCount, invocation })),
  );
}

/** The last lines the functions logged, for a failed test. */
export function logTail(stack: TestStack, lines = 40): string {
  return stack.logs.slice(-lines).map((l) => `[${l.functionName}] ${l.line}`).join('\n');
}

/** Peeks at a queue until `check` holds for its messages (each peek leaves them visible again); returns them. */
export async function waitForMessages(stack: TestStack, url: string, check: (messages: Message[]) => boolean, timeoutMs = 30_000): Promise<Message[]> {
  let last: Message[] = [];
  try {
    return await stack.waitUntil(
      async () => {
        last = await peekMessages(stack, url, 0);
        return check(last) ? last : undefined;
      },
      timeoutMs,
      `messages in ${url}`,
    );
  } catch (error) {
    throw new Error(`${url} holds ${JSON.stringify(last.map((m) => ({ body: m.Body, attributes: m.MessageAttributes })), null, 1)}\n${(error as Error).message}`);
  }
}
