/**
 * The ports core depends on. Adapters in src/adapters implement them over the AWS SDK (or espeak-ng, Flite, LAME, files);
 * core never imports @aws-sdk. Tests of pure logic pass in-memory implementations.
 */
import type { ChannelSource, ChannelStats, Language, MediaType, PodcastConfig } from './contracts.ts';
import type { Episode, EpisodePublication, TransitionChanges, TransitionName } from './episodes/status.ts';
import type { Script } from './generation/script.ts';

export interface EpisodeKey {
  podcastId: string;
  episodeId: string;
}

export interface PodcastRepository {
  put(config: PodcastConfig): Promise<void>;
  /** Undefined when there is no such podcast. */
  get(podcastId: string): Promise<PodcastConfig | undefined>;
  /** Every podcast; one whose stored configuration no longer validates is reported, not allowed to hide the rest. */
  list(): Promise<{ podcasts: PodcastConfig[]; invalid: Array<{ podcast_id: string; error: string }> }>;
}

/** Which channel episode holds a podcast's one in-flight place, since when (ISO). */
export interface InFlightMarker {
  episode_id: string;
  since: string;
}

/** Extra conditions for a transition decided on an earlier read (the stuck sweep). */
export interface TransitionGuard {
  /** Only if the episode has not been updated since this read (`updated_at` unchanged). */
  updatedAt?: string;
  /** Only if no claim's lease is still running. */
  leaseExpired?: boolean;
}

export interface EpisodeRepository {
  /** Creates the record; throws ConflictError if that episode id already exists. */
  create(episode: Episode): Promise<void>;
  get(key: EpisodeKey): Promise<Episode | undefined>;
  /** Newest first; `before`: only episodes older than that episode id (the next page). */
  listForPodcast(podcastId: string, options?: { limit?: number; before?: string }): Promise<Episode[]>;
  /**
   * Applies a named transition atomically (conditional update). `changes` are written with it; `lease_expires_at` is
   * set by the caller for claims. Throws ConflictError (with the current status) when the episode is not in a state the
   * transition may leave, NotFoundError when there is no such episode. Appends the transition to the episode's
   * `timeline` in the same update (`changes.message_id` goes there only). Returns the updated episode.
   */
  apply(name: TransitionName, key: EpisodeKey, changes: TransitionChanges, now: Date, guard?: TransitionGuard): Promise<Episode>;
  /**
   * The newest episode of the podcast's channels (direct `{podcast_id, text}` episodes are not part of its schedule
   * or its windows), optionally only one in `status` and created before `before` (an episode id), however many other
   * episodes came after it.
   */
  latestChannelEpisode(podcastId: string, options?: { status?: Episode['status']; before?: string }): Promise<Episode | undefined>;
  /** Records a transient error without changing status. */
  noteError(key: EpisodeKey, message: string): Promise<void>;
  /**
   * Records a completed episode's publication (its public copies' URLs and size), or with `undefined` its withdrawal
   * (`withdrawn_at` set). Throws ConflictError (with the status) unless the episode is completed.
   */
  setPublication(key: EpisodeKey, publication: EpisodePublication | undefined, now: Date): Promise<Episode>;
  /** Episodes in `status` whose `updated_at` is before `updatedBefore` (ISO), via the status index. */
  listByStatus(status: Episode['status'], updatedBefore: string): Promise<Episode[]>;
  /**
   * Takes the podcast's one in-flight place for `episodeId`, atomically: of any number of concurrent callers exactly
   * one gets it, whatever their clocks say. Returns undefined when taken, else the marker that holds the place.
   * `replacing`: take the place over only from that holder (one the caller found settled or never created).
   * A transition into a terminal state (completed, failed, skipped) gives the place back by itself.
   */
  reserveInFlight(podcastId: string, episodeId: string, now: Date, replacing?: string): Promise<InFlightMarker | undefined>;
  /** Gives the place back if `episodeId` holds it (a reservation whose episode could not be created). */
  releaseInFlight(podcastId: string, episodeId: string): Promise<void>;
}

export interface ObjectStore {
  putJson(key: string, value: unknown): Promise<void>;
  /** Throws NotFoundError when the key does not exist. */
  getJson<T = unknown>(key: string): Promise<T>;
  /** Throws NotFoundError when the key does not exist. */
  getText(key: string): Promise<string>;
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** Streams a local file up without reading it into memory. */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** An object's size and type, or undefined when it does not exist. */
  head(key: string): Promise<{ bytes: number; contentType?: string } | undefined>;
  /** Removes an object; a key that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** Server-side copy; `tags` replace the source's (lifecycle rules key on them, e.g. media expiry). */
  copy(fromKey: string, toKey: string, options?: { tags?: Record<string, string> }): Promise<void>;
  /** Streams an object's body (a large export is never read whole). Throws NotFoundError when the key does not exist. */
  openRead(key: string): Promise<{ body: AsyncIterable<Uint8Array>; bytes?: number; contentType?: string }>;
  /** Streams a body of unknown length up (in parts when large); `tags` as for copy. */
  putStream(key: string, body: AsyncIterable<Uint8Array>, contentType: string, options?: { tags?: Record<string, string> }): Promise<void>;
  /** Stores bytes (a downloaded photo); `tags` as for copy. */
  putBytes(key: string, body: Uint8Array, contentType: string, options?: { tags?: Record<string, string> }): Promise<void>;
}

export interface QueueSender {
  /** Sends one JSON message; returns the SQS message id. */
  send(queueUrl: string, body: unknown, attributes?: Record<string, string>): Promise<string>;
  /**
   * Makes a received message visible again at once (visibility timeout 0), so its next receive comes now rather than
   * after the timeout. `queueArn` is the record's event source.
   */
  returnNow(queueArn: string, receiptHandle: string): Promise<void>;
  /** Makes a received message visible again after `seconds` (a wait the source demanded), capped at SQS's 12 hours. */
  retryAfter(queueArn: string, receiptHandle: string, seconds: number): Promise<void>;
}

export interface QueueDepth {
  queue: string;
  url: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Short-lived links to stored objects (S3 presigned GETs), for a browser to fetch directly. */
export interface ObjectLinks {
  linkTo(key: string, expiresInSeconds: number): Promise<string>;
}

/** An operator action as recorded: who (a session id, never a secret), what, on what, and how it ended. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: 'generate' | 'retry' | 'redrive' | 'config-change' | 'publish' | 'withdraw' | 'login' | 'logout';
  target: string;
  outcome: 'ok' | 'refused' | 'error';
  detail?: string;
}

/** Where operator actions are kept, newest first on read. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(options?: { limit?: number; before?: string }): Promise<AuditEntry[]>;
}

export interface QueueInspector {
  depth(name: string, url: string): Promise<QueueDepth>;
}

/** The two pipeline queues, each with its own DLQ. */
export type PipelineQueue = 'collection' | 'processing';

/** A dead-lettered message as an operator sees it: the body byte for byte, and the consumer's reason when it gave one. */
export interface InspectedLetter {
  messageId: string;
  body: string;
  /** `telecast-error`; absent when SQS moved the message after its receives (the episode record says why). */
  reason?: string;
  stage?: string;
  sourceMessageId?: string;
  receiveCount: number;
}

export interface RedriveResult {
  /** `move-task`: the queue service moves them (StartMessageMoveTask); `manual`: moved one by one, already done. */
  method: 'move-task' | 'manual';
  /** Manual: messages moved. Move task: messages in the DLQ when the task started (it moves them server-side). */
  moved: number;
  taskHandle?: string;
}

/** One DLQ and the source queue its letters go back to. */
export interface DeadLetterQueue {
  /** Up to `max` letters, without consuming them: each is visible again at once. */
  inspect(max?: number): Promise<InspectedLetter[]>;
  /** Moves every letter back to the source queue. */
  redriveAll(): Promise<RedriveResult>;
  /**
   * Moves back only the letters `matches` selects (it sees each letter's body, so it can parse it and name the
   * episode); the others stay in the DLQ, visible again at once. Returns how many moved.
   */
  redriveMatching(matches: (letter: InspectedLetter) => boolean): Promise<number>;
  /**
   * Deletes only the letters `matches` selects (an operator replaces them with a new message: a letter left behind
   * could be redriven later and race it); the others stay, visible again at once. Returns how many were deleted.
   */
  discardMatching(matches: (letter: InspectedLetter) => boolean): Promise<number>;
}

/** Where channel exports are kept for the export ChannelReader. */
export interface ChannelExportStore {
  /**
   * Stores a Telegram Desktop export (`result.json`, streamed: it may be hundreds of MB) as the channel's source,
   * checking its shape as it goes; throws a ValidationError naming what is wrong, storing nothing. `utcOffset`
   * (`+03:00`): the exporting computer's, for an old export whose dates are its local time. Returns where it went, how
   * many posts it holds, and warnings for the operator (dates read as UTC for want of an offset).
   */
  put(channel: string, body: AsyncIterable<Uint8Array>, options?: { utcOffset?: string }): Promise<{ key: string; posts: number; warnings: string[] }>;
}

export interface PostMedia {
  type: MediaType;
  /** Location of the file in an export (export-relative path); absent when the source gives none or left it out. */
  file?: string;
  /** Where a live source serves the file (a web preview's image URL). */
  url?: string;
  /** Where the collector stored a copy under the episode's `media/` folder, when it could. */
  key?: string;
  /** The stored copy's size and type. */
  bytes?: number;
  content_type?: string;
}

/** Where a forwarded post came from, as much as the source says. */
export interface PostOrigin {
  /** The origin's display name ("Reuters"). */
  name?: string;
  /** Its public username, when it has one (normalised, no `@`). */
  channel?: string;
  /** The message id in the origin channel. */
  id?: number;
}

export interface ChannelPost {
  channel: string;
  id: number;
  /** ISO 8601 UTC. */
  date: string;
  /** What a listener hears: entities decoded, spoilers and custom-emoji markup left out, an album's captions joined. */
  text: string;
  links: string[];
  media: PostMedia[];
  forwarded_from?: PostOrigin;
  /** View count, where the source shows one. */
  views?: number;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

export interface ReadRequest {
  window: TimeWindow;
  /** The highest message id an earlier episode took from this channel: only later messages are new. */
  afterId?: number;
}

/** A downloaded media file. */
export interface FetchedMedia {
  body: Uint8Array;
  contentType: string;
}

/**
 * Reads one kind of channel source (docs/architecture.md "Channel readers"). Errors name the channel and the cause:
 * a permanent one (no such channel, no preview, an export of a group, login needed) is a ValidationError or
 * NotFoundError; a transient one a DownstreamError; a wait the source demands (a flood wait) a RetryLaterError.
 */
export interface ChannelReader {
  readonly source: ChannelSource;
  /** Why the channel cannot be read now ("no export uploaded", "no Telegram session: run telecast telegram login"), else undefined. */
  unreadable(channel: string): Promise<string | undefined>;
  /** The channel's posts in the window (and after `afterId`), in pages, newest page first; each post exactly once. */
  read(channel: string, request: ReadRequest): AsyncIterable<ChannelPost[]>;
  /**
   * Downloads one of a post's media. Throws (a TelecastError naming the file) when it is missing, larger than
   * `maxBytes` or not of the media's type; the collector counts that as a failed medium, never a failed episode.
   */
  fetchMedia(post: ChannelPost, media: PostMedia, maxBytes: number): Promise<FetchedMedia>;
}

/** Picks each channel's reader: the podcast's `channel_sources`, else `auto` (an export when one is stored, else a session when logged in, else the web preview). */
export interface ChannelReaders {
  readerFor(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): Promise<ChannelReader>;
  /** Why the channel cannot be read yet (its source named), else undefined; never builds a session client. */
  unreadable(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): Promise<string | undefined>;
}

/** Per podcast and channel, the highest message id an episode took (so a post reaches one episode only). */
export interface ChannelProgress {
  lastTaken(podcastId: string, channel: string): Promise<number | undefined>;
  /** Raises the mark to `lastId` (never lowers it); idempotent. */
  advance(podcastId: string, channel: string, lastId: number, episodeId: string): Promise<void>;
}

/** content.json: what the collector hands to the generator (claim check: it never rides in the message). */
export interface EpisodeContent {
  schema_version: 1;
  podcast_id: string;
  episode_id: string;
  channels: string[];
  window: { from: string; to: string };
  collected_at: string;
  /** Per channel: read, kept, dropped by rule, media stored and failed. */
  channel_stats?: ChannelStats[];
  /** Oldest first, as a listener would hear them. */
  posts: ChannelPost[];
}

export interface ScriptWriter {
  /** The script, with `generation` filled in (length against the target, and for a model its usage and cost). */
  write(podcast: PodcastConfig, content: EpisodeContent): Promise<Script>;
}

/**
 * A chat model that answers in JSON for a schema, through its vendor's structured output (Bedrock Converse with a
 * forced tool, OpenAI-compatible `response_format: json_schema`, Gemini `responseSchema`). The script writers of
 * core/generation build the prompt and validate what comes back; an adapter only carries it (src/adapters/*-model.ts).
 */
export interface LanguageModel {
  /** Vendor and model, e.g. "bedrock amazon.nova-lite-v1:0": named in errors and recorded on the episode. */
  readonly name: string;
  /** USD per million input and output tokens, when known: the episode's estimated cost. */
  readonly pricing?: { inputPerMillion: number; outputPerMillion: number };
  /**
   * One structured answer. Throws DownstreamError: permanent for a refused key, an unknown model, a refused request;
   * transient (after the adapter's own retries of 429/5xx/timeouts, honouring Retry-After) for throttling and outages.
   * An answer that is not JSON is returned as text all the same: the writer's validation and repair deal with it.
   */
  generate(request: ModelRequest): Promise<ModelAnswer>;
}

export interface ModelRequest {
  system: string;
  /** The user's prompt; on a repair, also the model's earlier answer and what was wrong with it. */
  messages: Array<{ role: 'user' | 'assistant'; text: string }>;
  /** The answer's JSON Schema (object, array, string, integer, enum, required, additionalProperties: false only). */
  schema: Record<string, unknown>;
  /** A short identifier for the schema (the tool's or the json_schema's name), `[a-z_]+`. */
  schemaName: string;
  /** 0..1, from the podcast's creativity. */
  temperature: number;
  maxOutputTokens: number;
}

export interface ModelAnswer {
  /** The answer's JSON text as the model produced it (a forced tool's input, serialised). */
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** Why the model stopped, in its vendor's words (`max_tokens`, `length`, `MAX_TOKENS` mean it was cut off). */
  stopReason?: string;
}

/** Mono 16-bit PCM. */
export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

export interface SpeechSynthesizer {
  /** The rate every call returns, when the engine has one fixed rate; the episode is encoded at it. */
  readonly sampleRate?: number;
  /** Turns the renderer may have in flight at once (default 1); a network engine's configured concurrency. */
  readonly concurrency?: number;
  /**
   * `voice` is a voice id of this engine (validated against core/generation/engines.ts when the podcast is stored).
   * Engines that can be directed (OpenAI's `instructions`) use `context`; others ignore it. Errors: DownstreamError,
   * permanent for a refused key, an exhausted quota or an unknown voice, transient for throttling, 5xx and timeouts.
   */
  synthesize(text: string, voice: string, context?: SpeechContext): Promise<Pcm>;
}

/** What a directable voice engine is told about a line, besides its text. */
export interface SpeechContext {
  language: Language;
  /** How this host speaks ("curious host; engaging, fast-paced"), from the podcast's roles and style. */
  instructions?: string;
}

/** Receives PCM chunks in order and encodes them (MP3) as a stream; memory must not grow with the input's length. */
export interface AudioEncoder {
  /** The rate the encoder was opened with, when fixed; turns at another rate are resampled to it. */
  readonly sampleRate?: number;
  /** `sampleRate` is the rate of `samples`; one encoder takes one rate (the renderer resamples to it). */
  write(samples: Int16Array, sampleRate: number): Promise<void>;
  /** Flushes and closes; returns the encoded size in bytes. */
  finish(): Promise<{ bytes: number }>;
}

/** An episode's audio on its way to storage: encoded as it is written, stored under its key by `finish`. */
export interface EpisodeAudioWriter extends AudioEncoder {
  /** Drops what was written (a failed render): nothing is stored, temporary files are removed. */
  discard(): Promise<void>;
}

/** Where episodes' audio is kept (MP3 in S3 on AWS and on the local stack). */
export interface AudioStore {
  open(key: string): Promise<EpisodeAudioWriter>;
}

/** The engines a podcast names (core/generation/engines.ts), made real by the composition root. */
export interface EngineRegistry {
  writerFor(podcast: PodcastConfig): ScriptWriter;
  synthesizerFor(podcast: PodcastConfig): SpeechSynthesizer;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
