/**
 * `make demo`: one episode through the whole pipeline on the embedded local stack, driven through the operator CLI as
 * an operator would drive it (the CLI runs as a subprocess with the stack's environment):
 *
 *   telecast podcast put samples/podcast.json
 *   telecast channel import @telecast_sample <the sample export, dates moved to now>
 *   telecast episode generate tech-pulse --json
 *   telecast episode status tech-pulse <episode_id> --json     (polled until the episode completes or fails)
 *
 * then copies the episode's folder out of S3 into out/<podcast_id>/<episode_id>/. Exit status 0 only for a completed
 * episode. The stack uses free ports, so a running `make dev` is not disturbed.
 *
 *   TELECAST_DEMO_TIMEOUT_SECONDS (180)   give up after this long
 *   TELECAST_DEMO_VERBOSE=1               print the functions' own log lines too
 */
import { GetObjectCommand, ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { formatMetrics, parseEmfLine, summarizeMetrics, type MetricSample } from '../cli/metrics.ts';
import { shiftExportDates } from './export-dates.ts';
import { formatInvocation, formatPollError } from './format.ts';
import { REPO_ROOT, startLocalStack, type FunctionName, type LocalStack } from './stack.ts';

const PODCAST_FILE = 'samples/podcast.json';
const EXPORT_FILE = 'test/fixtures/telegram-export/result.json';
const CHANNEL = '@telecast_sample';
const TIMEOUT_SECONDS = Number(process.env.TELECAST_DEMO_TIMEOUT_SECONDS ?? 180);
const VERBOSE = process.env.TELECAST_DEMO_VERBOSE === '1';
const POLL_MS = 1000;
const TERMINAL = new Set(['completed', 'failed', 'skipped']);

/** The fields of the CLI's episode JSON the demo reads. */
interface EpisodeJson {
  podcast_id: string;
  episode_id: string;
  status: string;
  s3_path: string;
  attempts?: number;
  error?: string;
  failed_stage?: string;
  skip_reason?: string;
  duration_seconds?: number;
  audio_key?: string;
  transcript_key?: string;
  vtt_key?: string;
  script_key?: string;
  publication?: { audio_url: string };
}

const run = promisify(execFile);
const started = Date.now();
const total = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
/** Progress lines count from `episode generate`: status changes and the invocations that caused them share one clock. */
let progressStart = started;
const since = () => `+${((Date.now() - progressStart) / 1000).toFixed(1)} s`.padStart(9);
const say = (line: string) => console.log(line);

/** Runs `node bin/telecast.mjs …` with the stack's environment; returns stdout, throws with stderr on failure. */
async function telecast(stack: LocalStack, args: string[], { echo = true } = {}): Promise<string> {
  if (echo) say(`\n$ telecast ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`);
  try {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/telecast.mjs'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...stack.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; code?: number; message: string };
    throw new Error(`telecast ${args.join(' ')} exited with ${e.code ?? '?'}:\n${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

function minutes(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
}

/** Copies every object under `prefix` to `target`, keeping the key's path below the prefix. */
async function download(stack: LocalStack, prefix: string, target: string): Promise<string[]> {
  const { s3 } = stack.clients;
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.resources.bucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    token = page.NextContinuationToken;
  } while (token);
  const written: string[] = [];
  for (const object of objects) {
    const file = join(target, object.Key!.slice(prefix.length));
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: stack.resources.bucket, Key: object.Key! }));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await Body!.transformToByteArray());
    written.push(file);
  }
  return written;
}

async function demo(stack: LocalStack): Promise<number> {
  say(`Local stack up in ${total()}: SQS + S3 ${stack.endpoints.sqs}, DynamoDB ${stack.endpoints.dynamodb}`);

  say(indent(await telecast(stack, ['podcast', 'put', PODCAST_FILE])));

  // The export is a static file; the collector reads only the posts of the last window_hours. Import a copy whose newest
  // post is ten minutes old (every date moved by the same offset), so the demo finds the same posts on any day.
  const workDir = mkdtempSync(join(tmpdir(), 'telecast-demo-'));
  try {
    const exportCopy = join(workDir, 'result.json');
    const shifted = shiftExportDates(JSON.parse(readFileSync(join(REPO_ROOT, EXPORT_FILE), 'utf8')) as { messages: object[] }, new Date(Date.now() - 10 * 60_000));
    writeFileSync(exportCopy, JSON.stringify(shifted, null, 1));
    say(`\n(${EXPORT_FILE} with its dates moved so that the newest post is 10 minutes old: ${exportCopy})`);
    say(indent(await telecast(stack, ['channel', 'import', CHANNEL, exportCopy])));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  progressStart = Date.now();
  const created = JSON.parse(await telecast(stack, ['episode', 'generate', 'tech-pulse', '--json'])) as EpisodeJson;
  say(indent(`episode ${created.episode_id}: ${created.status}, folder s3://${stack.resources.bucket}/${created.s3_path}`));

  say(`\n$ telecast episode status ${created.podcast_id} ${created.episode_id} --json   (every ${POLL_MS / 1000} s)`);
  let episode = created;
  say(`${since()}  ● ${episode.status}`);
  const deadline = progressStart + TIMEOUT_SECONDS * 1000;
  // A failed record comes back only after its queue's visibility timeout (720 s / 5400 s, as on AWS). When that is past
  // the deadline, waiting cannot help: give up at once, after one more look at the status (a permanent error has
  // marked the episode failed, with its reason, by then).
  let retryTooLate: string | undefined;
  stack.runner.on('invocation', (r) => {
    if (r.source !== 'sqs' || !r.failedRecords) return;
    const consumes = stack.functions[r.functionName as FunctionName]?.consumes;
    const queue = consumes ? stack.resources.queues[consumes] : undefined;
    const visibility = queue?.settings.visibility_timeout_seconds ?? 0;
    if (Date.now() + visibility * 1000 > deadline) retryTooLate ??= `${r.functionName} failed, and ${queue?.name} redelivers it only after its visibility timeout (${visibility} s)`;
  });
  let lastLook = false;
  while (!TERMINAL.has(episode.status)) {
    if (lastLook) {
      say(`\nGiving up: ${retryTooLate}, later than this demo waits (${TIMEOUT_SECONDS} s). Episode ${episode.episode_id} is "${episode.status}".`);
      return 1;
    }
    if (retryTooLate) lastLook = true;
    if (Date.now() > deadline) {
      say(`\nGave up after ${TIMEOUT_SECONDS} s: episode ${episode.episode_id} is still "${episode.status}" (attempts ${episode.attempts ?? '?'}).`);
      say('Check the invocations above; `make dev` and `telecast queues status` / `telecast dlq inspect` help to dig further.');
      return 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    const next = JSON.parse(await telecast(stack, ['episode', 'status', created.podcast_id, created.episode_id, '--json'], { echo: false })) as EpisodeJson;
    if (next.status !== episode.status) say(`${since()}  ● ${next.status}`);
    episode = next;
  }

  if (episode.status !== 'completed') {
    say(`\nEpisode ${episode.episode_id} ${episode.status}.`);
    if (episode.status === 'failed') say(`  failed_stage: ${episode.failed_stage ?? '?'}\n  error:        ${episode.error ?? '?'}`);
    if (episode.status === 'skipped') say(`  skip_reason:  ${episode.skip_reason ?? '?'}`);
    return 1;
  }

  // The sample podcast publishes automatically: the same delivery puts the episode into its feed right after.
  for (let i = 0; i < 20 && !episode.publication; i++) {
    await new Promise((r) => setTimeout(r, 150));
    episode = JSON.parse(await telecast(stack, ['episode', 'status', episode.podcast_id, episode.episode_id, '--json'], { echo: false })) as EpisodeJson;
  }
  const feedUrl = stack.publicUrl ? `${stack.publicUrl}/${episode.podcast_id}/feed.xml` : undefined;
  const feedFile = join(REPO_ROOT, 'out', episode.podcast_id, 'feed.xml');
  if (episode.publication && feedUrl) {
    mkdirSync(dirname(feedFile), { recursive: true });
    writeFileSync(feedFile, await (await fetch(feedUrl)).text());
  }

  const target = join(REPO_ROOT, 'out', episode.podcast_id, episode.episode_id);
  rmSync(target, { recursive: true, force: true });
  const files = await download(stack, episode.s3_path, target);
  const local = (key: string | undefined) => (key ? relative(REPO_ROOT, join(target, key.slice(episode.s3_path.length))) : '(none)');
  say(`
Episode completed ${since().trim().slice(1)} after \`episode generate\`.
  episode     ${episode.podcast_id}/${episode.episode_id}
  status      ${episode.status}
  duration    ${episode.duration_seconds !== undefined ? `${episode.duration_seconds.toFixed(1)} s (${minutes(episode.duration_seconds)})` : '?'}
  audio       ${local(episode.audio_key)}
  transcript  ${local(episode.transcript_key)}
  subtitles   ${local(episode.vtt_key)}
  script      ${local(episode.script_key)}
  all files   ${files.length} in ${relative(REPO_ROOT, target)}/
  published   ${episode.publication && feedUrl ? `${relative(REPO_ROOT, feedFile)} (the feed, as ${feedUrl} served it; \`make dev\` keeps serving feeds)` : 'no (the podcast publishes manually or lacks directory fields)'}`);
  return 0;
}

const logTail: string[] = [];
const samples: MetricSample[] = [];
let stack: LocalStack | undefined;
let exitCode = 1;
process.once('SIGINT', () => {
  say('\ninterrupted: stopping the stack');
  void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});
try {
  say(`Telecast demo (${process.version}): starting the local stack on free ports`);
  stack = await startLocalStack({ sqsPort: 0, dynamodbPort: 0, logs: VERBOSE ? 'inherit' : 'silent' });
  stack.runner.on('log', (l) => {
    // Metrics lines (EMF) are gathered for the summary; the rest is kept to show on a failure.
    const found = parseEmfLine(l.line);
    if (found.length) return void samples.push(...found);
    logTail.push(`[${l.functionName}] ${l.line}`);
    if (logTail.length > 60) logTail.shift();
  });
  stack.runner.on('invocation', (r) => say(`${since()}    ▸ ${formatInvocation(r)}`));
  stack.runner.on('poll-error', (e) => say(`${since()}    ! ${formatPollError(e)}`));
  exitCode = await demo(stack);
} catch (error) {
  say(`\ndemo failed: ${(error as Error).message ?? String(error)}`);
  exitCode = 1;
} finally {
  if (samples.length) {
    say(`\nWhat the functions measured (CloudWatch metrics on AWS; \`telecast metrics\` reads them from \`make dev\`'s logs):`);
    say(formatMetrics(summarizeMetrics(samples)).replace(/^/gm, '  '));
  }
  if (exitCode !== 0 && logTail.length && !VERBOSE) say(`\nLast lines the functions logged:\n${logTail.join('\n')}`);
  await stack?.stop();
}
say(`\nstack stopped; demo ${exitCode === 0 ? 'succeeded' : 'failed'} after ${total()}`);
process.exit(exitCode);
