/**
 * In-memory implementations of core's ports, for specs that run in milliseconds. They keep the stores' contracts, not
 * just their shapes: the episode repository applies transitions only where `canApply` allows them (plus the sweep's
 * guards), counts tries and clears fields exactly as the DynamoDB adapter does, so a spec that passes here states
 * behaviour the emulator-backed tests also see.
 */
import { parsePodcastConfig, type ChannelSource, type PodcastConfig } from '../../src/core/contracts.ts';
import {
  CLAIM_RULES,
  CLEARED_ON_CLAIM,
  CLEARED_ON_SETTLE,
  TIMELINE_ONLY,
  TRANSITIONS,
  canApply,
  settles,
  timelineEntry,
  type Episode,
  type EpisodePublication,
  type TransitionChanges,
  type TransitionName,
} from '../../src/core/episodes/status.ts';
import { ConflictError, NotFoundError, ValidationError, errorMessage } from '../../src/core/errors.ts';
import type {
  AuditEntry,
  AuditLog,
  ChannelPost,
  ChannelProgress,
  ChannelReader,
  ChannelReaders,
  Clock,
  FetchedMedia,
  PostMedia,
  ReadRequest,
  DeadLetterQueue,
  EpisodeKey,
  InspectedLetter,
  EpisodeRepository,
  InFlightMarker,
  ObjectLinks,
  ObjectStore,
  PodcastRepository,
  QueueDepth,
  QueueInspector,
  QueueSender,
  RedriveResult,
  TransitionGuard,
} from '../../src/core/ports.ts';
import { inWindow } from '../../src/core/collection/window.ts';
import { normaliseChannel } from '../../src/core/channels.ts';
import { TelegramExportStore } from '../../src/adapters/telegram-export-reader.ts';

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryPodcasts implements PodcastRepository {
  /** Raw stored items, so a spec can store one that no longer validates. */
  readonly items = new Map<string, unknown>();

  async put(config: PodcastConfig): Promise<void> {
    this.items.set(config.podcast_id, copy(config));
  }

  async get(podcastId: string): Promise<PodcastConfig | undefined> {
    const item = this.items.get(podcastId);
    return item === undefined ? undefined : parsePodcastConfig(item);
  }

  async list(): Promise<{ podcasts: PodcastConfig[]; invalid: Array<{ podcast_id: string; error: string }> }> {
    const podcasts: PodcastConfig[] = [];
    const invalid: Array<{ podcast_id: string; error: string }> = [];
    for (const [id, item] of [...this.items].sort(([a], [b]) => a.localeCompare(b))) {
      try {
        podcasts.push(parsePodcastConfig(item));
      } catch (error) {
        invalid.push({ podcast_id: id, error: errorMessage(error) });
      }
    }
    return { podcasts, invalid };
  }
}

export class MemoryEpisodes implements EpisodeRepository {
  private readonly items = new Map<string, Episode>();
  /** Each podcast's in-flight marker. */
  readonly inFlight = new Map<string, InFlightMarker>();
  /** Every transition applied, in order: `<name> <podcast>/<episode>`. */
  readonly applied: string[] = [];
  /** Makes the next `apply` of this transition throw this error (once), before it changes anything. */
  readonly failNext = new Map<TransitionName, unknown>();

  private id(k: EpisodeKey): string {
    return `${k.podcastId}/${k.episodeId}`;
  }

  async create(episode: Episode): Promise<void> {
    const id = this.id({ podcastId: episode.podcast_id, episodeId: episode.episode_id });
    if (this.items.has(id)) throw new ConflictError(`episode ${id} already exists`);
    this.items.set(id, copy(episode));
  }

  async get(k: EpisodeKey): Promise<Episode | undefined> {
    const e = this.items.get(this.id(k));
    return e && copy(e);
  }

  private newestFirst(podcastId: string): Episode[] {
    return [...this.items.values()].filter((e) => e.podcast_id === podcastId).sort((a, b) => b.episode_id.localeCompare(a.episode_id));
  }

  async listForPodcast(podcastId: string, options: { limit?: number; before?: string } = {}): Promise<Episode[]> {
    return this.newestFirst(podcastId)
      .filter((e) => options.before === undefined || e.episode_id < options.before)
      .slice(0, options.limit ?? Infinity)
      .map(copy);
  }

  async latestChannelEpisode(podcastId: string, options: { status?: Episode['status']; before?: string } = {}): Promise<Episode | undefined> {
    const found = this.newestFirst(podcastId).find(
      (e) =>
        e.trigger !== 'direct' &&
        (options.status === undefined || e.status === options.status) &&
        (options.before === undefined || e.episode_id < options.before),
    );
    return found && copy(found);
  }

  async apply(name: TransitionName, k: EpisodeKey, changes: TransitionChanges, now: Date, guard: TransitionGuard = {}): Promise<Episode> {
    const planned = this.failNext.get(name);
    if (planned !== undefined) {
      this.failNext.delete(name);
      throw planned;
    }
    const current = this.items.get(this.id(k));
    if (!current) throw new NotFoundError(`episode ${this.id(k)} does not exist`);
    const guarded =
      (guard.updatedAt === undefined || current.updated_at === guard.updatedAt) &&
      (!guard.leaseExpired || current.lease_expires_at === undefined || current.lease_expires_at < now.toISOString());
    if (!canApply(name, current, now) || !guarded) {
      throw new ConflictError(`cannot ${name} episode ${this.id(k)}: it is ${current.status}`, current.status);
    }
    const rule = CLAIM_RULES[name];
    const next: Episode = { ...current };
    for (const field of rule ? CLEARED_ON_CLAIM : CLEARED_ON_SETTLE) if (!(field in changes)) delete next[field];
    for (const [field, value] of Object.entries(changes)) {
      if (field === 'status' || field === 'updated_at' || field === 'timeline' || TIMELINE_ONLY.includes(field) || value === undefined) continue;
      (next as unknown as Record<string, unknown>)[field] = copy(value);
    }
    next.timeline = [...(current.timeline ?? []), timelineEntry(name, changes, now)];
    if (rule) {
      const tries = (current[rule.counter] ?? 0) + 1;
      next[rule.counter] = tries;
      next.attempts = tries;
    }
    next.status = TRANSITIONS[name].to;
    next.updated_at = now.toISOString();
    this.items.set(this.id(k), next);
    this.applied.push(`${name} ${this.id(k)}`);
    if (settles(name) && next.trigger !== 'direct') await this.releaseInFlight(k.podcastId, k.episodeId);
    return copy(next);
  }

  async reserveInFlight(podcastId: string, episodeId: string, now: Date, replacing?: string): Promise<InFlightMarker | undefined> {
    const holder = this.inFlight.get(podcastId);
    if (replacing === undefined ? holder !== undefined : holder?.episode_id !== replacing) return holder && copy(holder);
    this.inFlight.set(podcastId, { episode_id: episodeId, since: now.toISOString() });
    return undefined;
  }

  async releaseInFlight(podcastId: string, episodeId: string): Promise<void> {
    if (this.inFlight.get(podcastId)?.episode_id === episodeId) this.inFlight.delete(podcastId);
  }

  async noteError(k: EpisodeKey, message: string): Promise<void> {
    const e = this.items.get(this.id(k));
    if (e) e.last_error = message.slice(0, 2000);
  }

  async setPublication(k: EpisodeKey, publication: EpisodePublication | undefined, now: Date): Promise<Episode> {
    const e = this.items.get(this.id(k));
    if (!e) throw new NotFoundError(`unknown episode ${this.id(k)}`);
    if (e.status !== 'completed') throw new ConflictError(`episode ${this.id(k)} is ${e.status}: only a completed episode can be published or withdrawn`, e.status);
    if (publication) {
      e.publication = copy(publication);
      delete e.withdrawn_at;
    } else {
      delete e.publication;
      e.withdrawn_at = now.toISOString();
    }
    e.updated_at = now.toISOString();
    return copy(e);
  }

  async listByStatus(status: Episode['status'], updatedBefore: string): Promise<Episode[]> {
    return [...this.items.values()].filter((e) => e.status === status && e.updated_at < updatedBefore).map(copy);
  }

  /** Stores an episode as given (a spec's starting state). */
  seed(episode: Episode): void {
    this.items.set(this.id({ podcastId: episode.podcast_id, episodeId: episode.episode_id }), copy(episode));
  }
}

export class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, { body: string; contentType: string; tags?: Record<string, string>; bytes?: Uint8Array }>();
  /** Keys written, in order (a rewrite shows up twice). */
  readonly writes: string[] = [];

  async putJson(key: string, value: unknown): Promise<void> {
    await this.putText(key, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
  }

  async getJson<T = unknown>(key: string): Promise<T> {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(`memory://${key} does not exist`);
    return JSON.parse(o.body) as T;
  }

  async getText(key: string): Promise<string> {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(`memory://${key} does not exist`);
    return o.body;
  }

  async putText(key: string, text: string, contentType: string): Promise<void> {
    this.objects.set(key, { body: text, contentType });
    this.writes.push(key);
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    const { readFile } = await import('node:fs/promises');
    this.objects.set(key, { body: (await readFile(path)).toString('latin1'), contentType });
    this.writes.push(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async head(key: string): Promise<{ bytes: number; contentType: string } | undefined> {
    const o = this.objects.get(key);
    return o && { bytes: (o.bytes ?? Buffer.from(o.body, 'utf-8')).byteLength, contentType: o.contentType };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
    this.deleted.push(key);
  }

  /** Keys deleted, in order. */
  readonly deleted: string[] = [];

  async openRead(key: string): Promise<{ body: AsyncIterable<Uint8Array>; bytes: number; contentType: string }> {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(`memory://${key} does not exist`);
    const bytes = o.bytes ?? Buffer.from(o.body, 'utf-8');
    return { body: [bytes][Symbol.iterator]() as unknown as AsyncIterable<Uint8Array>, bytes: bytes.byteLength, contentType: o.contentType };
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>, contentType: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    await this.putBytes(key, Buffer.concat(chunks), contentType, options);
  }

  async putBytes(key: string, body: Uint8Array, contentType: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    const bytes = new Uint8Array(body);
    this.objects.set(key, { body: Buffer.from(bytes).toString('utf-8'), bytes, contentType, ...(options.tags ? { tags: options.tags } : {}) });
    this.writes.push(key);
  }

  async copy(fromKey: string, toKey: string, options: { tags?: Record<string, string> } = {}): Promise<void> {
    const o = this.objects.get(fromKey);
    if (!o) throw new NotFoundError(`memory://${fromKey} does not exist`);
    this.objects.set(toKey, { ...o, ...(options.tags ? { tags: options.tags } : {}) });
    this.writes.push(toKey);
  }
}

export interface SentMessage {
  queueUrl: string;
  body: unknown;
  attributes: Record<string, string>;
  messageId: string;
}

export class MemoryQueues implements QueueSender, QueueInspector {
  readonly sent: SentMessage[] = [];
  /** Makes the next send to this queue URL throw this error (once). */
  readonly failNext = new Map<string, unknown>();
  private seq = 0;

  async send(queueUrl: string, body: unknown, attributes: Record<string, string> = {}): Promise<string> {
    const planned = this.failNext.get(queueUrl);
    if (planned !== undefined) {
      this.failNext.delete(queueUrl);
      throw planned;
    }
    const messageId = `memory-${++this.seq}`;
    this.sent.push({ queueUrl, body: copy(body), attributes: { ...attributes }, messageId });
    return messageId;
  }

  /** Receipt handles made visible again at once, with their queue ARN. */
  readonly returned: Array<{ queueArn: string; receiptHandle: string }> = [];

  async returnNow(queueArn: string, receiptHandle: string): Promise<void> {
    this.returned.push({ queueArn, receiptHandle });
  }

  /** Receipt handles whose visibility was changed to a wait, with the seconds. */
  readonly delayed: Array<{ queueArn: string; receiptHandle: string; seconds: number }> = [];

  async retryAfter(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    this.delayed.push({ queueArn, receiptHandle, seconds });
  }

  to(queueUrl: string): unknown[] {
    return this.sent.filter((m) => m.queueUrl === queueUrl).map((m) => m.body);
  }

  async depth(queue: string, url: string): Promise<QueueDepth> {
    return { queue, url, visible: this.to(url).length, inFlight: 0, delayed: 0 };
  }
}

/** One DLQ whose letters go back to `sourceUrl` on a MemoryQueues, as the SQS adapter's receive/send/delete move does. */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  readonly letters: InspectedLetter[] = [];
  private seq = 0;

  constructor(
    private readonly queues: MemoryQueues,
    private readonly sourceUrl: string,
  ) {}

  /** Dead-letters a message (a string body as is, anything else as JSON), as a consumer or SQS's redrive would. */
  add(body: unknown, extra: Partial<InspectedLetter> = {}): this {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.letters.push({ messageId: `dead-${++this.seq}`, body: text, receiveCount: 1, ...extra });
    return this;
  }

  async inspect(max = 50): Promise<InspectedLetter[]> {
    return this.letters.slice(0, max).map(copy);
  }

  async redriveAll(): Promise<RedriveResult> {
    return { method: 'manual', moved: await this.redriveMatching(() => true) };
  }

  async redriveMatching(matches: (letter: InspectedLetter) => boolean): Promise<number> {
    const moving = this.letters.filter((l) => matches(copy(l)));
    for (const letter of moving) {
      await this.queues.send(this.sourceUrl, letter.body);
      this.letters.splice(this.letters.indexOf(letter), 1);
    }
    return moving.length;
  }

  async discardMatching(matches: (letter: InspectedLetter) => boolean): Promise<number> {
    const discarding = this.letters.filter((l) => matches(copy(l)));
    for (const letter of discarding) this.letters.splice(this.letters.indexOf(letter), 1);
    return discarding.length;
  }
}

/** The export store over MemoryObjects: the adapter's own shape check before anything is kept, all in memory. */
export class MemoryChannelExports extends TelegramExportStore {
  constructor(readonly store = new MemoryObjects()) {
    super(store);
  }
}

/** A ChannelReader over fixed posts per channel, paging newest first like a live history; or failing on request. */
export class MemoryChannels implements ChannelReader, ChannelReaders {
  readonly source: ChannelSource = 'web';
  readonly posts = new Map<string, ChannelPost[]>();
  readonly failures = new Map<string, unknown>();
  /** Channels that report themselves unreadable, with why. */
  readonly unready = new Map<string, string>();
  /** Media bodies by URL or file; a missing one fails its fetch. */
  readonly mediaBodies = new Map<string, FetchedMedia>();
  readonly reads: string[] = [];
  /** The afterId each read was given. */
  readonly afterIds: Array<number | undefined> = [];

  constructor(private readonly pageSize = 2) {}

  async readerFor(): Promise<ChannelReader> {
    return this;
  }

  /** As a reader (one argument) and as the registry (the podcast first). */
  async unreadable(...args: [string] | [Pick<PodcastConfig, 'channel_sources'>, string]): Promise<string | undefined> {
    const channel = args.length === 1 ? args[0] : args[1];
    return this.unready.get(normaliseChannel(channel));
  }

  async fetchMedia(post: ChannelPost, media: PostMedia, maxBytes: number): Promise<FetchedMedia> {
    const found = this.mediaBodies.get(media.url ?? media.file ?? '');
    if (!found) throw new NotFoundError(`no media ${media.url ?? media.file ?? '(none)'} for message ${post.id}`);
    if (found.body.byteLength > maxBytes) throw new ValidationError(`media of message ${post.id} is over ${maxBytes} bytes`);
    return found;
  }

  add(channel: string, ...posts: ChannelPost[]): this {
    const key = normaliseChannel(channel);
    this.posts.set(key, [...(this.posts.get(key) ?? []), ...posts]);
    return this;
  }

  async *read(channel: string, { window, afterId }: ReadRequest): AsyncIterable<ChannelPost[]> {
    const key = normaliseChannel(channel);
    this.reads.push(key);
    this.afterIds.push(afterId);
    const failure = this.failures.get(key);
    if (failure !== undefined) throw failure;
    const posts = (this.posts.get(key) ?? []).filter((p) => inWindow(new Date(p.date), window)).sort((a, b) => b.date.localeCompare(a.date));
    for (let i = 0; i < posts.length; i += this.pageSize) yield posts.slice(i, i + this.pageSize).map(copy);
  }
}

/** A clock that stands still until told to move. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
}

/** The audit log in memory, newest first on read like the DynamoDB adapter. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(copy(entry));
  }

  async list(options: { limit?: number; before?: string } = {}): Promise<AuditEntry[]> {
    return [...this.entries]
      .reverse()
      .filter((e) => options.before === undefined || e.at < options.before)
      .slice(0, options.limit ?? 100)
      .map(copy);
  }
}

/** Presigned-looking links that name the key and expiry, so a spec can see which object a link is for. */
export class MemoryObjectLinks implements ObjectLinks {
  async linkTo(key: string, expiresInSeconds: number): Promise<string> {
    return `https://files.test/${key}?expires=${expiresInSeconds}&signature=memory`;
  }
}

/** Channel marks in memory, raised only, as the DynamoDB adapter's conditional update does. */
export class MemoryChannelProgress implements ChannelProgress {
  readonly marks = new Map<string, { last_id: number; episode_id: string }>();

  async lastTaken(podcastId: string, channel: string): Promise<number | undefined> {
    return this.marks.get(`${podcastId}/${normaliseChannel(channel)}`)?.last_id;
  }

  async advance(podcastId: string, channel: string, lastId: number, episodeId: string): Promise<void> {
    const key = `${podcastId}/${normaliseChannel(channel)}`;
    const mark = this.marks.get(key);
    if (!mark || mark.last_id < lastId) this.marks.set(key, { last_id: lastId, episode_id: episodeId });
  }
}
