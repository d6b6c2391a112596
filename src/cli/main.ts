/**
 * telecast: the operator CLI. Parses arguments, calls one operation (core/operations.ts, which the admin API shares)
 * and prints its result. Talks to AWS or to the local stack through the standard AWS environment (AWS_REGION,
 * credentials, AWS_ENDPOINT_URL_*) plus Telecast's own variables (TABLE_NAME, BUCKET_NAME, queue URLs).
 */
import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Episode } from '../core/episodes/status.ts';
import { createOperations, type Operations } from '../core/operations.ts';
import { ValidationError } from '../core/errors.ts';
import { newestExportTime, shiftedExport } from '../local/export-dates.ts';
import { dependenciesFromEnv } from './dependencies.ts';
import { generationLines, lengthText } from './describe.ts';
import { newAdminSecretJson } from '../adapters/admin-secret.ts';
import { loginDependencies, telegramLogin } from './telegram-login.ts';
import catalogue from '../../terraform/metrics.json' with { type: 'json' };
import { formatMetrics, logFiles, parseSince, readEmf, readEmfFiles, summarizeMetrics } from './metrics.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** How an operator runs the CLI from the repository: nothing puts `telecast` itself on the PATH. */
const CLI = 'bin/telecast.mjs';

const USAGE = `usage: ${CLI} <command> [--json]

  podcast put <file.json>                 validate and store a podcast configuration
  podcast list                            list podcasts
  podcast get <podcast_id>                show one podcast's configuration
  channel import <channel> <result.json> [--utc-offset +HH:MM] [--recent]
                                          upload a Telegram Desktop export as the channel's source
                                          (--utc-offset: the exporting computer's, for an export from before
                                          2021 dated in its local time; west of UTC write --utc-offset=-05:00;
                                          --recent: move its dates so the newest
                                          post is 10 minutes old)
  episode generate <podcast_id>           start an episode now (as the admin button does)
  episode status <podcast_id> <episode_id>
  episode list <podcast_id> [--limit N]   newest first (N from 1 to 100, default 20)
  episode retry <podcast_id> <episode_id> [--new-script]
                                          retry a failed episode's failed stage (its own dead letters, or its message anew);
                                          --new-script (failed at generating only): discard its dead letters and write
                                          a new script.json instead of speaking the stored one
  podcast feed <podcast_id> [--regenerate]
                                          the podcast's feed URL, publishing mode and what it lacks for
                                          directories; --regenerate rebuilds it from the published episodes
  episode publish <podcast_id> <episode_id>
                                          put a completed episode into its podcast's public feed
  episode withdraw <podcast_id> <episode_id>
                                          take it out of the feed (its public copies deleted)
  queues status                           depth of the queues and their DLQs
  dlq inspect <collection|processing>     show dead-lettered messages with their reasons (leaves them in place)
  dlq redrive <collection|processing>     move dead-lettered messages back to their source queue
  admin secret                            print the admin page's secret JSON (password hash + a new session key)
                                          for the password in TELECAST_ADMIN_PASSWORD or on standard input
  metrics [--since 1h] [--logs <dir>|-]   the metrics the functions logged (embedded metric format), summed per
                                          metric and stage: episodes by outcome, stage durations, posts, audio,
                                          TTS characters, LLM tokens, dead letters; from the local stack's
                                          logs (TELECAST_DATA_DIR/logs, default .local/data/logs), a folder of
                                          *.log files, or - for standard input (e.g. \`aws logs tail … | \`)
  telegram login                          log a Telegram account in (phone, code, 2FA password on standard input)
                                          and store its session for the MTProto reader; needs TELEGRAM_API_ID,
                                          TELEGRAM_API_HASH (my.telegram.org) and TELEGRAM_SESSION_SECRET_ID

environment: AWS_REGION and credentials as for any AWS tool (AWS_ENDPOINT_URL_* for the local stack), and
TABLE_NAME, BUCKET_NAME, COLLECTION_QUEUE_URL, PROCESSING_QUEUE_URL, COLLECTION_DLQ_URL, PROCESSING_DLQ_URL,
PUBLIC_BASE_URL (publishing)
(\`make dev\` prints them for the local stack; \`terraform output\` for AWS).`;

class UsageError extends Error {}

type Out = { json: boolean; print(value: unknown, text: () => string): void };

/** An episode as --json prints it: the record, with each stage's count of tries (0 for a stage not reached yet). */
function episodeJson(e: Episode): Episode {
  return { ...e, collection_attempts: e.collection_attempts ?? 0, generation_attempts: e.generation_attempts ?? 0 };
}

function episodeLine(e: Episode): string {
  const extra =
    e.status === 'failed'
      ? `  failed at ${e.failed_stage}: ${e.error}`
      : e.status === 'skipped'
        ? `  ${e.skip_reason}`
        : e.status === 'completed'
          ? `  ${e.duration_seconds?.toFixed(1)} s  s3://…/${e.audio_key}${e.publication ? `  published ${e.publication.audio_url}` : ''}`
          : e.last_error
            ? `  retrying after: ${e.last_error}`
            : '';
  // `attempts` counts the tries of the stage the episode is in (1 on a clean first run); a pending one has had none.
  const attempt = e.attempts > 0 ? ` attempt ${e.attempts}` : '';
  return `${e.podcast_id}/${e.episode_id}  ${e.status.padEnd(10)} ${e.trigger.padEnd(8)}${attempt}${extra}`;
}

function queueOf(which: string | undefined): 'collection' | 'processing' {
  if (which === 'collection' || which === 'processing') return which;
  throw new UsageError(`expected "collection" or "processing", got ${which === undefined ? 'nothing' : `"${which}"`}`);
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(`${path} is not a readable JSON file`, [(error as Error).message]);
  }
}

/**
 * The export file as a stream, read again from disk on each call (a check pass, then the upload). --recent: a sample
 * export is old by the time anyone imports it, and the collector reads only recent posts, so its dates are moved.
 */
async function exportBody(channel: string, path: string, recent: boolean): Promise<AsyncIterable<Uint8Array>> {
  try {
    await access(path);
  } catch (error) {
    throw new ValidationError(`${path} cannot be read`, [(error as Error).message]);
  }
  if (!recent) return createReadStream(path);
  let newest: number;
  try {
    newest = await newestExportTime(channel, createReadStream(path));
  } catch {
    return createReadStream(path); // not an export with dates: the import names what is wrong with it
  }
  return shiftedExport(channel, createReadStream(path), Math.round((Date.now() - 10 * 60_000) / 1000) - newest);
}

async function run(ops: Operations, argv: string[], out: Out): Promise<void> {
  const [group, command, ...args] = argv;
  const arg = (i: number, name: string): string => {
    const v = args[i];
    if (!v) throw new UsageError(`missing <${name}>`);
    return v;
  };

  switch (`${group} ${command}`) {
    case 'podcast put': {
      const config = await ops.putPodcast(await readJsonFile(arg(0, 'file.json')));
      // Stored either way: set-up may go in any order, and the schedule waits until every channel can be read.
      for (const u of await ops.unreadableChannels(config.podcast_id)) console.error(`telecast: warning: ${u.reason}; the schedule starts no episode until it can be read`);
      // Stored either way too; its episodes are not published until these are filled in.
      const { missing } = await ops.feedStatus(config.podcast_id);
      if (missing.length) console.error(`telecast: warning: not publishable yet (stored, unpublished); set:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
      return out.print(config, () => `stored podcast ${config.podcast_id} (${config.name})`);
    }
    case 'podcast feed': {
      const { values, positionals } = parseArgs({ args, options: { regenerate: { type: 'boolean', default: false } }, allowPositionals: true });
      const id = positionals[0];
      if (!id) throw new UsageError('missing <podcast_id>');
      const rebuilt = values.regenerate ? await ops.regenerateFeed(id) : undefined;
      const status = await ops.feedStatus(id);
      return out.print({ ...status, ...(rebuilt ? { items: rebuilt.items } : {}) }, () =>
        [
          `${status.podcast_id}: publishing ${status.mode}${status.feed_url ? `, feed ${status.feed_url}` : ' (PUBLIC_BASE_URL is not set: no feed)'}`,
          ...(rebuilt ? [`regenerated with ${rebuilt.items} episode(s)`] : []),
          ...(status.missing.length ? ['not publishable yet; set:', ...status.missing.map((m) => `  - ${m}`)] : []),
        ].join('\n'),
      );
    }
    case 'episode publish': {
      const episode = await ops.publishEpisode(arg(0, 'podcast_id'), arg(1, 'episode_id'));
      return out.print(episodeJson(episode), () => `published ${episode.podcast_id}/${episode.episode_id}: ${episode.publication!.audio_url} (${episode.publication!.audio_bytes} bytes)`);
    }
    case 'episode withdraw': {
      const episode = await ops.withdrawEpisode(arg(0, 'podcast_id'), arg(1, 'episode_id'));
      return out.print(episodeJson(episode), () => `withdrew ${episode.podcast_id}/${episode.episode_id} from its feed (its public copies deleted; the episode's own files stay)`);
    }
    case 'podcast list': {
      const { podcasts, invalid } = await ops.listPodcasts();
      for (const bad of invalid) console.error(`telecast: podcast ${bad.podcast_id} has an invalid stored configuration: ${bad.error}`);
      return out.print(podcasts, () =>
        podcasts.length
          ? podcasts.map((p) => `${p.podcast_id.padEnd(24)} ${p.enabled ? 'enabled ' : 'disabled'} every ${p.episode_frequency_hours} h, ${lengthText(p)}  ${p.telegram_channels.join(' ')}  ${p.name}`).join('\n')
          : 'no podcasts',
      );
    }
    case 'podcast get': {
      const podcast = await ops.getPodcast(arg(0, 'podcast_id'));
      return out.print(podcast, () => `${JSON.stringify(podcast, null, 2)}\nepisode length: ${lengthText(podcast)}`);
    }
    case 'channel import': {
      const { values, positionals } = parseArgs({
        args,
        options: { recent: { type: 'boolean', default: false }, 'utc-offset': { type: 'string' } },
        allowPositionals: true,
      });
      const [channel, path] = positionals;
      if (!channel) throw new UsageError('missing <channel>');
      if (!path) throw new UsageError('missing <result.json>');
      const utcOffset = values['utc-offset'];
      const body = await exportBody(channel, path, values.recent);
      const imported = await ops.importChannelExport(channel, body, utcOffset === undefined ? {} : { utcOffset });
      for (const warning of imported.warnings) console.error(`telecast: warning: ${warning}`);
      return out.print(imported, () => `imported ${imported.posts} posts of ${channel} to ${imported.key}`);
    }
    case 'episode generate': {
      const episode = await ops.startEpisode(arg(0, 'podcast_id'));
      return out.print(episodeJson(episode), () => `started ${episodeLine(episode)}\nfollow it: ${CLI} episode status ${episode.podcast_id} ${episode.episode_id}`);
    }
    case 'episode status': {
      const episode = await ops.getEpisode(arg(0, 'podcast_id'), arg(1, 'episode_id'));
      const hint = episode.status === 'failed' ? `\nonce its cause is fixed, retry it: ${CLI} episode retry ${episode.podcast_id} ${episode.episode_id}` : '';
      const channels = (episode.result?.channel_stats ?? []).map(
        (c) =>
          `\n  @${c.channel} (${c.source}): read ${c.read}, kept ${c.kept}` +
          `${Object.keys(c.dropped).length ? `, dropped ${Object.entries(c.dropped).map(([rule, n]) => `${rule} ${n}`).join(', ')}` : ''}` +
          `${c.media_stored || c.media_failed ? `, media stored ${c.media_stored}, failed ${c.media_failed}` : ''}`,
      );
      const script = episode.generation ? generationLines(episode.generation).map((line) => `\n${line}`) : [];
      return out.print(episodeJson(episode), () => `${episodeLine(episode)}${script.join('')}${channels.join('')}${hint}`);
    }
    case 'episode list': {
      const { values, positionals } = parseArgs({ args, options: { limit: { type: 'string' } }, allowPositionals: true });
      const id = positionals[0];
      if (!id) throw new UsageError('missing <podcast_id>');
      if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new UsageError(`--limit expects a number, got "${values.limit}"`);
      const episodes = await ops.listEpisodes(id, values.limit === undefined ? {} : { limit: Number(values.limit) });
      return out.print(episodes.map(episodeJson), () => (episodes.length ? episodes.map(episodeLine).join('\n') : `no episodes for ${id}`));
    }
    case 'episode retry': {
      const { values, positionals } = parseArgs({ args, options: { 'new-script': { type: 'boolean', default: false } }, allowPositionals: true });
      const [podcastId, episodeId] = positionals;
      if (!podcastId) throw new UsageError('missing <podcast_id>');
      if (!episodeId) throw new UsageError('missing <episode_id>');
      const retried = await ops.redriveEpisode(podcastId, episodeId, { newScript: values['new-script'] });
      const done =
        retried.method === 'new-script'
          ? `discarded ${retried.discarded ?? 0} dead letter(s) of ${podcastId}/${episodeId} and sent its message to the ${retried.queue} queue asking for a new script`
          : retried.method === 'dead-letter'
            ? `moved ${retried.moved} dead letter(s) of ${podcastId}/${episodeId} back to the ${retried.queue} queue`
            : `the ${retried.queue} DLQ no longer holds ${podcastId}/${episodeId}'s message: sent it anew to the ${retried.queue} queue`;
      return out.print(retried, () => `${done}\nfollow it: ${CLI} episode status ${podcastId} ${episodeId}`);
    }
    case 'queues status': {
      const depths = await ops.queueStatus();
      return out.print(depths, () =>
        depths.map((d) => `${d.queue.padEnd(44)} visible ${String(d.visible).padStart(5)}  in flight ${String(d.inFlight).padStart(5)}  delayed ${d.delayed}`).join('\n'),
      );
    }
    case 'dlq inspect': {
      const which = queueOf(args[0]);
      const letters = await ops.inspectDeadLetters(which);
      return out.print(letters, () =>
        letters.length
          ? letters
              .map((l) => `${l.messageId}  ${l.stage ?? '?'}  ${l.reason ?? `(moved by SQS after its receives; the episode record says why: ${CLI} episode list <podcast_id>)`}\n    ${l.body.slice(0, 160)}`)
              .join('\n')
          : `${which} DLQ is empty`,
      );
    }
    case 'dlq redrive': {
      const which = queueOf(args[0]);
      const moved = await ops.redriveDeadLetters(which);
      return out.print(moved, () =>
        moved.method === 'manual'
          ? `moved ${moved.moved} message(s) from the ${which} DLQ back to its queue (receive/send/delete: this endpoint has no StartMessageMoveTask)`
          : `started moving ${moved.moved} message(s) from the ${which} DLQ back to its queue (StartMessageMoveTask ${moved.taskHandle}); \`aws sqs list-message-move-tasks\` shows its progress`,
      );
    }
    case 'admin secret': {
      // Never from the command line, where the shell's history would keep it.
      const password = process.env.TELECAST_ADMIN_PASSWORD ?? (await readStdin()).split(/\r?\n/)[0] ?? '';
      if (password.length < 12) throw new ValidationError('the admin password is too short', ['use at least 12 characters']);
      return console.log(await newAdminSecretJson(password));
    }
    case 'telegram login':
      return console.log(await telegramLogin(loginDependencies(process.env)));
    default:
      throw new UsageError(group ? `unknown command "${[group, command].filter(Boolean).join(' ')}"` : 'no command given');
  }
}

async function metrics(args: string[], out: Out): Promise<void> {
  const { values } = parseArgs({ args, options: { since: { type: 'string' }, logs: { type: 'string' } } });
  const since = values.since === undefined ? undefined : Date.now() - parseSince(values.since);
  const dir = values.logs ?? process.env.TELECAST_LOG_DIR ?? `${process.env.TELECAST_DATA_DIR || '.local/data'}/logs`;
  const samples = dir === '-' ? await readEmf(process.stdin) : await readEmfFiles(await logFiles(dir));
  const rows = summarizeMetrics(samples, { ...(since !== undefined ? { since } : {}), namespace: catalogue.namespace });
  out.print(rows, () => formatMetrics(rows));
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const out: Out = { json, print: (value, text) => console.log(json ? JSON.stringify(value, null, 2) : text()) };
  try {
    // Reads logs only: no AWS configuration needed.
    if (rest[0] === 'metrics') await metrics(rest.slice(1), out);
    else await run(createOperations(dependenciesFromEnv(process.env)), rest, out);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`telecast: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ValidationError && error.violations.length) {
      console.error(`telecast: ${error.message.split(':')[0]}:`);
      for (const v of error.violations) console.error(`  - ${v}`);
      return 1;
    }
    const e = error as Error;
    console.error(`telecast: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
