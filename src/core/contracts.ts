/**
 * The contracts between stages (docs/architecture.md "Messages"): their types, and parsers that validate with the ajv code
 * generated from src/core/schemas.ts. A message that fails validation is never processed: the consumer dead-letters
 * it with the violations as the reason.
 */
import { categoryProblems } from './publishing/apple-categories.ts';
import type { ErrorObject } from 'ajv';
import { CHANNEL_SOURCES, LANGUAGES, MEDIA_TYPES, DOMAIN_MATCHES, SCRIPT_WRITERS, TRIGGERS, VOICE_ENGINES } from './contract-constants.ts';
import { channelSourceViolations } from './channels.ts';
import { engineViolations } from './generation/engines.ts';
import { EPISODE_ID_PATTERN, ID_PATTERN } from './schemas.ts';
import { ValidationError } from './errors.ts';
import type { EpisodeContent } from './ports.ts';
import * as validators from './validators.generated.js';

export { CHANNEL_SOURCES, DOMAIN_MATCHES, LANGUAGES, MEDIA_TYPES, SCHEMA_VERSION, SCRIPT_WRITERS, TRIGGERS, VOICE_ENGINES } from './contract-constants.ts';

export type Language = (typeof LANGUAGES)[number];
export type MediaType = (typeof MEDIA_TYPES)[number];
export type DomainMatch = (typeof DOMAIN_MATCHES)[number];
export type Trigger = (typeof TRIGGERS)[number];
export type ScriptWriterName = (typeof SCRIPT_WRITERS)[number];
export type VoiceEngineName = (typeof VOICE_ENGINES)[number];
export type ChannelSource = (typeof CHANNEL_SOURCES)[number];

export interface DomainFilter {
  match: DomainMatch;
  value: string;
}

export interface Speaker {
  /** Name the other host uses on air. */
  name: string;
  /** Role in the conversation, e.g. "curious host" or "domain expert". */
  role: string;
  /** A voice id of the podcast's voice engine (espeak-ng: e.g. `en-us+m3`); the engine's default when omitted. */
  voice?: string;
}

export interface PodcastConfig {
  schema_version: 1;
  podcast_id: string;
  name: string;
  creator: string;
  slogan: string;
  language: Language;
  telegram_channels: string[];
  /** Where a channel (keyed as written in telegram_channels) is read from; absent or `auto`: the reader registry picks. */
  channel_sources: Record<string, ChannelSource | 'auto'>;
  window_hours: number;
  episode_frequency_hours: number;
  /** How long an episode should run; absent: from the frequency (generation/length.ts targetMinutes). */
  target_minutes?: number;
  conversation_style: string[];
  speakers: { person1: Speaker; person2: Speaker };
  mixing_techniques: string[];
  creativity: number;
  additional_instructions: string;
  long_form_rounds: number;
  filtered_domains: DomainFilter[];
  media_types: MediaType[];
  min_post_length: number;
  enabled: boolean;
  /** Which script writer writes the dialogue (core/generation/engines.ts). */
  script_writer: ScriptWriterName;
  /** Which voice engine speaks it; speakers' voices are validated by this engine. */
  voice_engine: VoiceEngineName;
  /** The public feed: directory fields, and `auto` (completed episodes are published) or `manual`. */
  publishing: PodcastPublishing;
}

export interface PodcastPublishing {
  mode: 'manual' | 'auto';
  description?: string;
  artwork_url?: string;
  category?: string;
  subcategory?: string;
  explicit: boolean;
  author?: string;
  owner_name?: string;
  owner_email?: string;
  link?: string;
}

export interface CollectionRequest {
  schema_version: 1;
  podcast_id: string;
  episode_id: string;
  trigger: Trigger;
  requested_at: string;
}

export interface CollectionSummary {
  channels: string[];
  message_count: number;
  window_from: string;
  window_to: string;
  content_key: string;
  /** Per channel: what was read and why posts were dropped (absent on episodes collected before it existed). */
  channel_stats?: ChannelStats[];
}

/** What the collector did with one channel, so an operator sees why an episode is short. */
export interface ChannelStats {
  channel: string;
  source: ChannelSource;
  /** Posts the reader yielded in the window. */
  read: number;
  /** Posts that reached the episode. */
  kept: number;
  /** Posts dropped, by rule (too-short, empty, already-in-episode, duplicate, …). */
  dropped: Record<string, number>;
  media_stored: number;
  media_failed: number;
  /** The highest message id the episode took from this channel: the next episode starts after it. */
  last_id?: number;
}

export interface ProcessingMessage {
  schema_version: 1;
  podcast_config_id: string;
  podcast_id: string;
  episode_id: string;
  result: CollectionSummary;
  /** The episode's creation time (an identity field: `messageBelongsTo` checks it). */
  timestamp: string;
  s3_path: string;
  /**
   * Present when an operator asked for a new script (`episode retry --new-script`): the generator writes one unless
   * the stored script was written at or after `requested_at` (a redelivery of this message speaks that new script).
   */
  new_script?: { requested_at: string };
}

/** The podcastfy Lambda's direct-invocation input (the seed's "direct API calls"): text in, an episode out. */
export interface DirectGenerationRequest {
  podcast_id: string;
  text: string;
}


/** What each keyword we use demands, in words (the generated validators carry no message strings). */
function demand(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `must be ${String(p.type)}`;
    case 'pattern':
      return `must match pattern "${String(p.pattern)}"`;
    case 'minLength':
      return `must NOT have fewer than ${String(p.limit)} characters`;
    case 'maxLength':
      return `must NOT have more than ${String(p.limit)} characters`;
    case 'minItems':
      return `must NOT have fewer than ${String(p.limit)} items`;
    case 'maxItems':
      return `must NOT have more than ${String(p.limit)} items`;
    case 'minimum':
    case 'maximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'uniqueItems':
      return `must NOT have duplicate items (items ${String(p.j)} and ${String(p.i)} are identical)`;
    default:
      return `is invalid (${e.keyword})`;
  }
}

/** `/speakers/person1/name must NOT have fewer than 1 characters` — the field path first, for operators. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') return `${path} has unknown field "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'required') return `${path === '/' ? '' : path}/${String(e.params.missingProperty)} is required`;
    if (e.keyword === 'enum') return `${path} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    return `${path} ${demand(e)}`;
  });
}

interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function validatorFor<T>(validate: CompiledValidator, label: string): (value: unknown) => T {
  return (value: unknown): T => {
    // Defaults are filled in on a copy: the caller's object is never changed behind its back.
    const copy = value === null || typeof value !== 'object' ? value : structuredClone(value);
    if (!validate(copy)) throw new ValidationError(`invalid ${label}`, describeErrors(validate.errors));
    return copy as T;
  };
}

const parsePodcastConfigShape = /* @__PURE__ */ validatorFor<Omit<PodcastConfig, 'voice_engine'> & Partial<Pick<PodcastConfig, 'voice_engine'>>>(
  validators.podcastConfig,
  'podcast configuration',
);

/**
 * The voice engine of a new podcast whose configuration names none: Flite for English (offline like espeak-ng, and far
 * easier to follow: bench/intelligibility.ts), espeak-ng for the languages Flite lacks (Hebrew).
 */
export function defaultVoiceEngine(language: Language): VoiceEngineName {
  return language === 'en' ? 'flite' : 'espeak';
}

/** What fills a field the configuration leaves out, where the default is not the schema's. */
export interface PodcastConfigDefaults {
  /** Default: {@link defaultVoiceEngine} of the podcast's language. A stored podcast keeps the engine it had. */
  voice_engine?: VoiceEngineName;
}

/**
 * Validates and fills defaults (the voice engine by language, or as `defaults` says), then checks the configuration
 * against the engines it names (a voice the voice engine does not know, a language it does not speak); throws
 * {@link ValidationError} naming every violated field.
 */
export function parsePodcastConfig(value: unknown, defaults: PodcastConfigDefaults = {}): PodcastConfig {
  const shape = parsePodcastConfigShape(value);
  const config: PodcastConfig = { ...shape, voice_engine: shape.voice_engine ?? defaults.voice_engine ?? defaultVoiceEngine(shape.language) };
  const violations = [...engineViolations(config), ...channelSourceViolations(config), ...categoryProblems(config)];
  if (violations.length) throw new ValidationError('invalid podcast configuration', violations);
  return config;
}
/** Validates a collection request (scheduler → telegram). */
export const parseCollectionRequest = /* @__PURE__ */ validatorFor<CollectionRequest>(validators.collectionRequest, 'collection request');
/** Validates a processing message (telegram → podcastfy). */
export const parseProcessingMessage = /* @__PURE__ */ validatorFor<ProcessingMessage>(validators.processingMessage, 'processing message');
/** Validates content.json (telegram → podcastfy, through S3). */
export const parseEpisodeContent = /* @__PURE__ */ validatorFor<EpisodeContent>(validators.episodeContent, 'content.json');
/** Validates the podcastfy Lambda's direct-invocation input. */
export const parseDirectGenerationRequest = /* @__PURE__ */ validatorFor<DirectGenerationRequest>(
  validators.directGenerationRequest,
  'direct generation request',
);

/** Parses an SQS body as JSON; a body that is not JSON is a permanent {@link ValidationError}. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new ValidationError('message body is not JSON', [(cause as Error).message], cause);
  }
}

const ID = new RegExp(ID_PATTERN);
const EPISODE_ID = new RegExp(EPISODE_ID_PATTERN);

/** Best effort, for failure reporting only: which podcast/episode a (possibly invalid) message names. */
export function identifyEpisode(value: unknown): { podcastId: string; episodeId: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const podcastId = v.podcast_id ?? v.podcast_config_id;
  const episodeId = v.episode_id;
  if (typeof podcastId !== 'string' || typeof episodeId !== 'string') return undefined;
  if (!ID.test(podcastId) || !EPISODE_ID.test(episodeId)) return undefined;
  return { podcastId, episodeId };
}
