/**
 * telecast: the operator CLI. Talks to AWS or to the local stack through the standard AWS environment
 * (AWS_REGION, credentials, AWS_ENDPOINT_URL_*) plus Telecast's own variables (TABLE_NAME, BUCKET_NAME, queue URLs).
 * `episode generate` is the same code path as the scheduler and the admin button (core/trigger.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createDynamoClient, createS3Client, createSqsClient, usesCustomS3Endpoint } from '../adapters/aws-clients.ts';
import { DynamoEpisodeRepository, DynamoPodcastRepository } from '../adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { SqsQueue, queueNameOf } from '../adapters/sqs-queue.ts';
import { exportPosts, type ChannelExport } from '../adapters/telegram-export-reader.ts';
import { readConfig, type ConfigKey } from '../core/config.ts';
import { parsePodcastConfig } from '../core/contracts.ts';
import type { Episode } from '../core/episodes/status.ts';
import { TelecastError, ValidationError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { channelExportKey } from '../core/keys.ts';
import { triggerEpisode } from '../core/episodes/start-episode.ts';
import { shiftExportDates } from '../local/export-dates.ts';
import { inspectDeadLetters, redriveDeadLetters } from './dlq.ts';

const USAGE = `usage: telecast <command> [--json]

  podcast put <file.json>                 validate and store a podcast configuration
  podcast list                            list podcasts
  podcast get <podcast_id>                show one podcast's configuration
  channel import <channel> <result.json> [--recent]
                                          upload a Telegram Desktop export as the channel's source
                                          (--recent: move its dates so the newest post is 10 minutes old)
  episode generate <podcast_id>           start an episode now (as the admin button does)
  episode status <podcast_id> <episode_id>
  episode list <podcast_id> [--limit N]   newest first
  queues status                           depth of the queues and their DLQs
  dlq inspect <collection|processing>     show dead-lettered messages with their reasons (leaves them in place)
  dlq redrive <collection|processing>     move dead-lettered messages back to their source queue

environment: AWS_REGION and credentials as for any AWS tool (AWS_ENDPOINT_URL_* for the local stack), and
TABLE_NAME, BUCKET_NAME, COLLECTION_QUEUE_URL, PROCESSING_QUEUE_URL, COLLECTION_DLQ_URL, PROCESSING_DLQ_URL
(\`make dev\` prints them for the local stack; \`terraform output\` for AWS).`;

class UsageError extends Error {}

type Out = { json: boolean; print(value: unknown, text: () => string): void };

function env<K extends ConfigKey>(keys: readonly K[]) {
  return readConfig(process.env, keys);
}

const made: { sqs?: ReturnType<typeof createSqsClient>; s3?: ReturnType<typeof createS3Client>; dynamo?: ReturnType<typeof createDynamoClient> } = {};

function clients() {
  // Created on first use: a command talks to one or two services, not all three.
  return {
    get sqs() {
      return (made.sqs ??= createSqsClient());
    },
    get s3() {
      return (made.s3 ??= createS3Client({ forcePathStyle: usesCustomS3Endpoint(process.env) }));
    },
    get dynamo() {
      return (made.dynamo ??= createDynamoClient());
    },
  };
}

function episodeLine(e: Episode): string {
  const extra =
    e.status === 'failed'
      ? `  failed at ${e.failed_stage}: ${e.error}`
      : e.status === 'skipped'
        ? `  ${e.skip_reason}`
        : e.status === 'completed'
          ? `  ${e.duration_seconds?.toFixed(1)} s  s3://…/${e.audio_key}`
          : e.last_error
            ? `  retrying after: ${e.last_error}`
            : '';
  return `${e.podcast_id}/${e.episode_id}  ${e.status.padEnd(10)} ${e.trigger.padEnd(8)} attempts ${e.attempts}${extra}`;
}

function queueOf(which: string | undefined): 'collection' | 'processing' {
  if (which === 'collection' || which === 'processing') return which;
  throw new UsageError(`expected "collection" or "processing", got ${which === undefined ? 'nothing' : `"${which}"`}`);
}

async function run(argv: string[], out: Out): Promise<void> {
  const [group, command, ...args] = argv;
  const arg = (i: number, name: string): string => {
    const v = args[i];
    if (!v) throw new UsageError(`missing <${name}>`);
    return v;
  };

  switch (`${group} ${command}`) {
    case 'podcast put': {
      const path = arg(0, 'file.json');
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new ValidationError(`${path} is not a readable JSON file`, [(error as Error).message]);
      }
      const config = parsePodcastConfig(raw);
      const { TABLE_NAME } = env(['TABLE_NAME']);
      await new DynamoPodcastRepository(clients().dynamo, TABLE_NAME).put(config);
      return out.print(config, () => `stored podcast ${config.podcast_id} (${config.name})`);
    }
    case 'podcast list': {
      const { TABLE_NAME } = env(['TABLE_NAME']);
      const { podcasts, invalid } = await new DynamoPodcastRepository(clients().dynamo, TABLE_NAME).list();
      for (const bad of invalid) console.error(`telecast: podcast ${bad.podcast_id} has an invalid stored configuration: ${bad.error}`);
      return out.print(podcasts, () =>
        podcasts.length
          ? podcasts.map((p) => `${p.podcast_id.padEnd(24)} ${p.enabled ? 'enabled ' : 'disabled'} every ${p.episode_frequency_hours} h  ${p.telegram_channels.join(' ')}  ${p.name}`).join('\n')
          : 'no podcasts',
      );
    }
    case 'podcast get': {
      const id = arg(0, 'podcast_id');
      const { TABLE_NAME } = env(['TABLE_NAME']);
      const podcast = await new DynamoPodcastRepository(clients().dynamo, TABLE_NAME).get(id);
      if (!podcast) throw new TelecastError(`no podcast "${id}"`, { retryable: false });
      return out.print(podcast, () => JSON.stringify(podcast, null, 2));
    }
    case 'channel import': {
      const { values, positionals } = parseArgs({ args, options: { recent: { type: 'boolean', default: false } }, allowPositionals: true });
      const [channel, path] = positionals;
      if (!channel) throw new UsageError('missing <channel>');
      if (!path) throw new UsageError('missing <result.json>');
      let data = JSON.parse(await readFile(path, 'utf8')) as ChannelExport;
      // --recent: a sample export is old by the time anyone imports it, and the collector reads only recent posts.
      if (values.recent) data = shiftExportDates(data, new Date(Date.now() - 10 * 60_000));
      const posts = exportPosts(channel, data); // validates the shape before anything is stored
      const { BUCKET_NAME } = env(['BUCKET_NAME']);
      const key = channelExportKey(channel);
      await new S3ObjectStore(clients().s3, BUCKET_NAME).putJson(key, data);
      return out.print({ channel, key, posts: posts.length }, () => `imported ${posts.length} posts of ${channel} to s3://${BUCKET_NAME}/${key}`);
    }
    case 'episode generate': {
      const id = arg(0, 'podcast_id');
      const c = env(['TABLE_NAME', 'COLLECTION_QUEUE_URL']);
      const aws = clients();
      const episode = await triggerEpisode(
        {
          podcasts: new DynamoPodcastRepository(aws.dynamo, c.TABLE_NAME),
          episodes: new DynamoEpisodeRepository(aws.dynamo, c.TABLE_NAME),
          queue: new SqsQueue(aws.sqs),
          clock: systemClock,
          collectionQueueUrl: c.COLLECTION_QUEUE_URL,
        },
        id,
        'manual',
      );
      return out.print(episode, () => `started ${episodeLine(episode)}\nfollow it: telecast episode status ${episode.podcast_id} ${episode.episode_id}`);
    }
    case 'episode status': {
      const key = { podcastId: arg(0, 'podcast_id'), episodeId: arg(1, 'episode_id') };
      const { TABLE_NAME } = env(['TABLE_NAME']);
      const episode = await new DynamoEpisodeRepository(clients().dynamo, TABLE_NAME).get(key);
      if (!episode) throw new TelecastError(`no episode ${key.podcastId}/${key.episodeId}`, { retryable: false });
      return out.print(episode, () => episodeLine(episode));
    }
    case 'episode list': {
      const { values, positionals } = parseArgs({ args, options: { limit: { type: 'string', default: '20' } }, allowPositionals: true });
      const id = positionals[0];
      if (!id) throw new UsageError('missing <podcast_id>');
      const { TABLE_NAME } = env(['TABLE_NAME']);
      const episodes = await new DynamoEpisodeRepository(clients().dynamo, TABLE_NAME).listForPodcast(id, { limit: Number(values.limit) || 20 });
      return out.print(episodes, () => (episodes.length ? episodes.map(episodeLine).join('\n') : `no episodes for ${id}`));
    }
    case 'queues status': {
      const c = env(['COLLECTION_QUEUE_URL', 'COLLECTION_DLQ_URL', 'PROCESSING_QUEUE_URL', 'PROCESSING_DLQ_URL']);
      const sqs = new SqsQueue(clients().sqs);
      const depths = await Promise.all(
        [c.COLLECTION_QUEUE_URL, c.COLLECTION_DLQ_URL, c.PROCESSING_QUEUE_URL, c.PROCESSING_DLQ_URL].map((url) => sqs.depth(queueNameOf(url), url)),
      );
      return out.print(depths, () =>
        depths.map((d) => `${d.queue.padEnd(44)} visible ${String(d.visible).padStart(5)}  in flight ${String(d.inFlight).padStart(5)}  delayed ${d.delayed}`).join('\n'),
      );
    }
    case 'dlq inspect':
    case 'dlq redrive': {
      const which = queueOf(args[0]);
      const c = env(['COLLECTION_QUEUE_URL', 'COLLECTION_DLQ_URL', 'PROCESSING_QUEUE_URL', 'PROCESSING_DLQ_URL']);
      const urls = which === 'collection' ? { source: c.COLLECTION_QUEUE_URL, dlq: c.COLLECTION_DLQ_URL } : { source: c.PROCESSING_QUEUE_URL, dlq: c.PROCESSING_DLQ_URL };
      const sqs = clients().sqs;
      if (command === 'inspect') {
        const letters = await inspectDeadLetters(sqs, urls.dlq);
        return out.print(letters, () =>
          letters.length
            ? letters.map((l) => `${l.messageId}  ${l.stage ?? '?'}  ${l.reason ?? '(moved by SQS after its receives; see the episode record)'}\n    ${l.body.slice(0, 160)}`).join('\n')
            : `${which} DLQ is empty`,
        );
      }
      const moved = await redriveDeadLetters(sqs, urls);
      return out.print(moved, () => moved.method === 'manual'
          ? `moved ${moved.moved} message(s) from the ${which} DLQ back to its queue (receive/send/delete: this endpoint has no StartMessageMoveTask)`
          : `started moving ${moved.moved} message(s) from the ${which} DLQ back to its queue (StartMessageMoveTask ${moved.taskHandle}); \`aws sqs list-message-move-tasks\` shows its progress`);
    }
    default:
      throw new UsageError(group ? `unknown command "${[group, command].filter(Boolean).join(' ')}"` : 'no command given');
  }
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
    await run(rest, out);
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
