/**
 * The JSON API (README "Operations"): thin over core/operations.ts, the same code the CLI runs. Each operator action
 * (generate, retry, redrive, config change, publish, withdraw) is recorded in the audit log with its outcome. Errors are always
 * `{ error, field? }` (plus `violations` for a form): 400 bad input, 404 unknown, 409 refused in this state.
 */
import { EpisodeInFlightError } from '../core/episodes/start-episode.ts';
import { ConflictError, NotFoundError, ValidationError, errorMessage } from '../core/errors.ts';
import { targetMinutes } from '../core/generation/length.ts';
import type { PodcastConfig } from '../core/contracts.ts';
import { PIPELINE_QUEUES, type Operations } from '../core/operations.ts';
import type { AuditEntry, AuditLog, Clock, ObjectLinks, ObjectStore } from '../core/ports.ts';
import type { Logger } from '../handlers/common/logger.ts';
import { episodeDetail, episodeSummary, statusUrl } from './episode-view.ts';
import { bodyText, json, jsonError, respond, type FunctionUrlResult, type Violation } from './http.ts';
import type { Request, Route } from './router.ts';

export interface ApiDeps {
  operations: Operations;
  links: ObjectLinks;
  /** Reads transcripts for the episode page (the function reads them; the page's CSP allows no other origin to fetch). */
  objects: Pick<ObjectStore, 'getText'>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
}

type SessionRequest = Request & { session: { id: string } };

/**
 * `/speakers/person1/name must …` → `{ field: "speakers.person1.name", message: "must …" }`; a publishing refusal's
 * `publishing.author: why` (publishingMissing) → `{ field: "publishing.author", message: "why" }`.
 */
export function violationOf(text: string): Violation {
  const missing = /^(publishing\.[a-z_]+): (.*)$/.exec(text);
  if (missing) return { field: missing[1]!, message: missing[2]! };
  const unknown = /^(\/\S*) has unknown field "([^"]+)"$/.exec(text);
  if (unknown) return { field: [...fieldPath(unknown[1]!), unknown[2]!].join('.'), message: `unknown field "${unknown[2]}"` };
  const match = /^(\/\S*)\s+(.*)$/.exec(text);
  if (!match) return { field: '', message: text };
  return { field: fieldPath(match[1]!).join('.'), message: match[2]! };
}

function fieldPath(pointer: string): string[] {
  return pointer.split('/').filter(Boolean);
}

/** The HTTP answer for an operation's refusal; anything unexpected is logged (by name, not by value) and a 500. */
function failure(error: unknown, logger: Logger): FunctionUrlResult {
  if (error instanceof ValidationError) {
    const violations = error.violations.map(violationOf);
    return jsonError(400, error.message, { violations, ...(violations[0]?.field ? { field: violations[0].field } : {}) });
  }
  if (error instanceof NotFoundError) return jsonError(404, error.message);
  if (error instanceof EpisodeInFlightError) {
    return jsonError(409, error.message, { episode: { ...episodeSummary(error.episode) } });
  }
  if (error instanceof ConflictError) return jsonError(409, error.message, { status: error.currentStatus });
  logger.error('admin request failed', { error_name: (error as Error)?.name, error: errorMessage(error) });
  return jsonError(500, 'internal error; the function log has the details');
}

/**
 * How long the podcast's episodes should run, for the form: its `target_minutes`, or what its frequency gives when it
 * sets none (core/generation/length.ts), so an empty field can say what it means.
 */
export function episodeLength(podcast: PodcastConfig) {
  return {
    target_minutes: targetMinutes(podcast),
    from_frequency: podcast.target_minutes === undefined,
    frequency_minutes: targetMinutes({ episode_frequency_hours: podcast.episode_frequency_hours }),
  };
}

function parseJson(request: Request): unknown {
  const text = bodyText(request.event);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError('request body is not JSON', [`/ ${(cause as Error).message}`], cause);
  }
}

/** A retry's body: empty, or `{ "new_script": boolean }`; anything else is a ValidationError naming the field. */
function retryOptions(request: Request): { newScript: boolean } {
  if (bodyText(request.event).trim() === '') return { newScript: false };
  const body = parseJson(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('invalid retry', ['/ must be an object']);
  const { new_script: newScript, ...rest } = body as Record<string, unknown>;
  const problems = Object.keys(rest).map((field) => `/ has unknown field "${field}"`);
  if (newScript !== undefined && typeof newScript !== 'boolean') problems.push('/new_script must be boolean');
  if (problems.length) throw new ValidationError('invalid retry', problems);
  return { newScript: newScript === true };
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ValidationError(`invalid ${name}`, [`/${name} must be an integer, got "${raw}"`]);
  return n;
}

export function apiRoutes(deps: ApiDeps): Route[] {
  const { operations: ops } = deps;

  /** Runs an operator action, records it (time, actor, action, target, outcome) and maps its refusal. */
  async function action(
    request: SessionRequest,
    what: AuditEntry['action'],
    target: string,
    run: () => Promise<FunctionUrlResult>,
    /** What the log says of the action when it succeeds (e.g. a retry "with a new script"), asked after it ran. */
    okDetail?: () => string | undefined,
  ): Promise<FunctionUrlResult> {
    const at = deps.clock.now().toISOString();
    let result: FunctionUrlResult;
    try {
      result = await run();
    } catch (error) {
      result = failure(error, deps.logger);
    }
    const outcome = result.statusCode < 400 ? 'ok' : result.statusCode < 500 ? 'refused' : 'error';
    const detail = outcome === 'ok' ? okDetail?.() : (JSON.parse(result.body) as { error?: string }).error;
    await deps.audit.record({ at, actor: request.session.id, action: what, target, outcome, ...(detail ? { detail } : {}) });
    return result;
  }

  /** A read: its refusal mapped, nothing recorded. */
  const read =
    (fn: (request: SessionRequest) => Promise<FunctionUrlResult>) =>
    async (request: SessionRequest): Promise<FunctionUrlResult> => {
      try {
        return await fn(request);
      } catch (error) {
        return failure(error, deps.logger);
      }
    };

  const api = (method: string, pattern: string, handle: Route['handle']): Route => ({ method, pattern, access: 'session', kind: 'api', handle });

  return [
    api(
      'GET',
      '/api/podcasts',
      read(async () => {
        const { summaries, invalid } = await ops.podcastSummaries();
        return json(200, {
          podcasts: summaries.map((s) => ({
            podcast_id: s.podcast.podcast_id,
            name: s.podcast.name,
            enabled: s.podcast.enabled,
            episode_frequency_hours: s.podcast.episode_frequency_hours,
            latest: s.latest ? episodeSummary(s.latest) : null,
            next_due_at: s.next_due_at,
            ...(s.not_due_reason ? { not_due_reason: s.not_due_reason } : {}),
          })),
          invalid,
        });
      }),
    ),
    api(
      'GET',
      '/api/podcasts/:podcast',
      read(async ({ params }) => {
        const podcast = await ops.getPodcast(params.podcast!);
        return json(200, { podcast, length: episodeLength(podcast), unreadable: await ops.unreadableChannels(podcast.podcast_id), feed: await ops.feedStatus(podcast.podcast_id) });
      }),
    ),
    api('PUT', '/api/podcasts/:podcast', async (request) =>
      action(request, 'config-change', request.params.podcast!, async () => {
        const body = parseJson(request);
        const id = request.params.podcast!;
        if (body && typeof body === 'object' && 'podcast_id' in body && (body as { podcast_id: unknown }).podcast_id !== id) {
          throw new ValidationError('invalid podcast configuration', [`/podcast_id must be "${id}", the podcast this address names`]);
        }
        const stored = await ops.putPodcast({ ...(body as object), podcast_id: id });
        return json(200, { podcast: stored, length: episodeLength(stored), unreadable: await ops.unreadableChannels(id), feed: await ops.feedStatus(id) });
      }),
    ),
    api('POST', '/api/podcasts/:podcast/episodes', async (request) =>
      action(request, 'generate', request.params.podcast!, async () => {
        const podcast = await ops.getPodcast(request.params.podcast!);
        if (!podcast.enabled) throw new ConflictError(`podcast ${podcast.podcast_id} is disabled: enable it before generating an episode`, 'disabled');
        const episode = await ops.startEpisode(podcast.podcast_id, 'manual');
        return json(202, { episode_id: episode.episode_id, status: episode.status, status_url: statusUrl(episode) });
      }),
    ),
    api(
      'GET',
      '/api/podcasts/:podcast/episodes',
      read(async ({ params, query }) => {
        await ops.getPodcast(params.podcast!);
        const limit = intParam(query, 'limit') ?? 20;
        const before = query.get('before') || undefined;
        // One more than asked: whether there is a next page, without a second query.
        const episodes = await ops.listEpisodes(params.podcast!, { limit: Math.min(limit, 99) + 1, ...(before ? { before } : {}) });
        const page = episodes.slice(0, limit);
        const more = episodes.length > limit;
        return json(200, { episodes: page.map(episodeSummary), next_before: more ? page.at(-1)!.episode_id : null });
      }),
    ),
    api(
      'GET',
      '/api/podcasts/:podcast/episodes/:episode',
      read(async ({ params }) => {
        const episode = await ops.getEpisode(params.podcast!, params.episode!);
        return json(200, await episodeDetail(episode, deps.clock.now(), deps.links));
      }),
    ),
    api(
      'GET',
      '/api/podcasts/:podcast/episodes/:episode/transcript',
      read(async ({ params }) => {
        const episode = await ops.getEpisode(params.podcast!, params.episode!);
        if (episode.status !== 'completed' || !episode.transcript_key) {
          throw new ConflictError(`episode ${params.podcast}/${params.episode} is ${episode.status}: it has no transcript yet`, episode.status);
        }
        return respond(200, await deps.objects.getText(episode.transcript_key), 'text/plain; charset=utf-8');
      }),
    ),
    // Body: none for a plain retry, or `{ "new_script": true }` to write a new script (episode failed at generating).
    api('POST', '/api/podcasts/:podcast/episodes/:episode/retry', async (request) => {
      let newScript = false;
      return action(
        request,
        'retry',
        `${request.params.podcast}/${request.params.episode}`,
        async () => {
          ({ newScript } = retryOptions(request));
          const result = await ops.redriveEpisode(request.params.podcast!, request.params.episode!, { newScript });
          return json(200, { ...result, status_url: statusUrl({ podcast_id: request.params.podcast!, episode_id: request.params.episode! }) });
        },
        () => (newScript ? 'with a new script' : undefined),
      );
    }),
    // Publishing (core/publishing/publish.ts): 200 with the episode as the page shows it; 400 names what the podcast
    // lacks (or that publishing is not configured), 409 an episode that is not completed (publish) or not published
    // (withdraw).
    ...(['publish', 'withdraw'] as const).map((what) =>
      api('POST', `/api/podcasts/:podcast/episodes/:episode/${what}`, async (request) =>
        action(request, what, `${request.params.podcast}/${request.params.episode}`, async () => {
          const { podcast, episode } = request.params as { podcast: string; episode: string };
          const updated = what === 'publish' ? await ops.publishEpisode(podcast, episode) : await ops.withdrawEpisode(podcast, episode);
          return json(200, await episodeDetail(updated, deps.clock.now(), deps.links));
        }),
      ),
    ),
    api(
      'GET',
      '/api/queues',
      read(async () => {
        const depths = await ops.queueStatus();
        return json(200, {
          queues: depths.map((d) => ({
            queue: d.queue,
            dead_letter: /dlq$/i.test(d.queue),
            visible: d.visible,
            in_flight: d.inFlight,
            delayed: d.delayed,
            // SQS's GetQueueAttributes has no age of the oldest message (CloudWatch's ApproximateAgeOfOldestMessage
            // metric has it, and the alarms use that); the emulator has neither.
            oldest_age_seconds: null,
          })),
          pipeline: PIPELINE_QUEUES,
        });
      }),
    ),
    api(
      'GET',
      '/api/queues/:queue/letters',
      read(async ({ params, query }) => {
        const letters = await ops.inspectDeadLetters(params.queue!, intParam(query, 'max') ?? 50);
        return json(200, {
          queue: params.queue,
          letters: letters.map((l) => {
            let episode: { podcast_id: string; episode_id: string } | undefined;
            try {
              const body = JSON.parse(l.body) as { podcast_id?: unknown; episode_id?: unknown };
              if (typeof body.podcast_id === 'string' && typeof body.episode_id === 'string') episode = { podcast_id: body.podcast_id, episode_id: body.episode_id };
            } catch {
              // Not JSON: a poison body names no episode.
            }
            return { message_id: l.messageId, reason: l.reason ?? null, stage: l.stage ?? null, receive_count: l.receiveCount, episode: episode ?? null, body: l.body.slice(0, 2000) };
          }),
        });
      }),
    ),
    api('POST', '/api/queues/:queue/redrive', async (request) =>
      action(request, 'redrive', request.params.queue!, async () => {
        const result = await ops.redriveDeadLetters(request.params.queue!);
        const message =
          result.method === 'move-task' ? `SQS is moving ${result.moved} message(s) back` : result.moved === 0 ? 'the dead-letter queue is empty: nothing to redrive' : `moved ${result.moved} message(s) back`;
        return json(200, { ...result, message });
      }),
    ),
    api(
      'GET',
      '/api/episodes',
      read(async ({ query }) => {
        const get = (name: string) => query.get(name) || undefined;
        const limit = intParam(query, 'limit');
        const episodes = await ops.searchEpisodes({
          ...(get('podcast') ? { podcast: get('podcast')! } : {}),
          ...(get('status') ? { status: get('status')! } : {}),
          ...(get('from') ? { from: get('from')! } : {}),
          ...(get('to') ? { to: get('to')! } : {}),
          ...(get('q') ? { q: get('q')! } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        return json(200, { episodes: episodes.map(episodeSummary) });
      }),
    ),
    api(
      'GET',
      '/api/audit',
      read(async ({ query }) => json(200, { entries: await deps.audit.list({ limit: Math.min(intParam(query, 'limit') ?? 100, 500) }) })),
    ),
  ];
}
