/**
 * The contracts between stages (ARCHITECTURE.md "Messages"), as JSON Schemas validated with ajv on both ends.
 * A message that fails validation is never processed: the consumer dead-letters it with the violations as reason.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError } from './errors.ts';

// ajv-formats is CommonJS; under ESM interop its callable may sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

export const SCHEMA_VERSION = 1;
export const LANGUAGES = ['en', 'he'] as const;
export const MEDIA_TYPES = ['photo', 'video', 'document', 'audio', 'voice', 'sticker', 'animation'] as const;
export const DOMAIN_MATCHES = ['exact', 'starts_with', 'ends_with', 'contains'] as const;
export const TRIGGERS = ['schedule', 'manual'] as const;

export type Language = (typeof LANGUAGES)[number];
export type MediaType = (typeof MEDIA_TYPES)[number];
export type DomainMatch = (typeof DOMAIN_MATCHES)[number];
export type Trigger = (typeof TRIGGERS)[number];

export interface DomainFilter {
  match: DomainMatch;
  value: string;
}

export interface Speaker {
  /** Name the other host uses on air. */
  name: string;
  /** Role in the conversation, e.g. "curious host" or "domain expert". */
  role: string;
  /** Synthesiser voice id (espeak-ng voice, e.g. `en-us+m3`); defaults per language when omitted. */
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
  window_hours: number;
  episode_frequency_hours: number;
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
}

export interface ProcessingMessage {
  schema_version: 1;
  podcast_config_id: string;
  podcast_id: string;
  episode_id: string;
  result: CollectionSummary;
  timestamp: string;
  s3_path: string;
}

const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
const EPISODE_ID_PATTERN = '^\\d{8}T\\d{9}Z$';
const S3_PATH_PATTERN = '^podcasts/[a-z0-9][a-z0-9-]{0,62}/\\d{8}T\\d{9}Z/$';

const speakerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 40 },
    role: { type: 'string', minLength: 1, maxLength: 120 },
    voice: { type: 'string', pattern: '^[a-z]{2,3}(-[a-z0-9]+)*(\\+[a-z0-9]+)?$' },
  },
} as const;

export const podcastConfigSchema = {
  $id: 'telecast/podcast-config',
  type: 'object',
  additionalProperties: false,
  required: ['podcast_id', 'name', 'telegram_channels'],
  properties: {
    schema_version: { const: SCHEMA_VERSION, default: SCHEMA_VERSION },
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: 120 },
    creator: { type: 'string', maxLength: 120, default: '' },
    slogan: { type: 'string', maxLength: 200, default: '' },
    language: { enum: [...LANGUAGES], default: 'en' },
    telegram_channels: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', pattern: '^(@|https://t\\.me/)?[A-Za-z][A-Za-z0-9_]{3,31}$' },
    },
    window_hours: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
    episode_frequency_hours: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
    conversation_style: {
      type: 'array',
      maxItems: 10,
      items: { type: 'string', minLength: 1, maxLength: 40 },
      default: ['engaging', 'fast-paced', 'enthusiastic'],
    },
    speakers: {
      type: 'object',
      additionalProperties: false,
      required: ['person1', 'person2'],
      properties: { person1: speakerSchema, person2: speakerSchema },
      default: {
        person1: { name: 'Alex', role: 'main summarizer' },
        person2: { name: 'Dana', role: 'questioner and clarifier' },
      },
    },
    mixing_techniques: {
      type: 'array',
      maxItems: 10,
      items: { type: 'string', minLength: 1, maxLength: 60 },
      default: ['rhetorical questions', 'analogies'],
    },
    creativity: { type: 'number', minimum: 0, maximum: 1, default: 0.7 },
    additional_instructions: { type: 'string', maxLength: 2000, default: '' },
    long_form_rounds: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
    filtered_domains: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match', 'value'],
        properties: {
          match: { enum: [...DOMAIN_MATCHES] },
          value: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\s/]+$' },
        },
      },
      default: [],
    },
    media_types: {
      type: 'array',
      uniqueItems: true,
      items: { enum: [...MEDIA_TYPES] },
      default: ['photo'],
    },
    min_post_length: { type: 'integer', minimum: 0, maximum: 1000, default: 20 },
    enabled: { type: 'boolean', default: true },
  },
} as const;

export const collectionRequestSchema = {
  $id: 'telecast/collection-request',
  type: 'object',
  additionalProperties: false,
  required: ['schema_version', 'podcast_id', 'episode_id', 'trigger', 'requested_at'],
  properties: {
    schema_version: { const: SCHEMA_VERSION },
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    episode_id: { type: 'string', pattern: EPISODE_ID_PATTERN },
    trigger: { enum: [...TRIGGERS] },
    requested_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const processingMessageSchema = {
  $id: 'telecast/processing-message',
  type: 'object',
  additionalProperties: false,
  required: ['schema_version', 'podcast_config_id', 'podcast_id', 'episode_id', 'result', 'timestamp', 's3_path'],
  properties: {
    schema_version: { const: SCHEMA_VERSION },
    podcast_config_id: { type: 'string', pattern: ID_PATTERN },
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    episode_id: { type: 'string', pattern: EPISODE_ID_PATTERN },
    timestamp: { type: 'string', format: 'date-time' },
    s3_path: { type: 'string', pattern: S3_PATH_PATTERN },
    result: {
      type: 'object',
      additionalProperties: false,
      required: ['channels', 'message_count', 'window_from', 'window_to', 'content_key'],
      properties: {
        channels: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        message_count: { type: 'integer', minimum: 1 },
        window_from: { type: 'string', format: 'date-time' },
        window_to: { type: 'string', format: 'date-time' },
        content_key: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
addFormats(ajv);

/** `/speakers/person1/name must NOT have fewer than 1 characters` — the field path first, for operators. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') return `${path} has unknown field "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'required') return `${path === '/' ? '' : path}/${String(e.params.missingProperty)} is required`;
    if (e.keyword === 'enum') return `${path} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    return `${path} ${e.message ?? 'is invalid'}`;
  });
}

function validatorFor<T>(schema: object, label: string): (value: unknown) => T {
  let compiled: ValidateFunction | undefined;
  return (value: unknown): T => {
    compiled ??= ajv.compile(schema);
    // Defaults are filled in on a copy: the caller's object is never changed behind its back.
    const copy = value === null || typeof value !== 'object' ? value : structuredClone(value);
    if (!compiled(copy)) throw new ValidationError(`invalid ${label}`, describeErrors(compiled.errors));
    return copy as T;
  };
}

/** Validates and fills defaults; throws {@link ValidationError} naming every violated field. */
export const parsePodcastConfig = validatorFor<PodcastConfig>(podcastConfigSchema, 'podcast configuration');
/** Validates a collection request (scheduler → telegram). */
export const parseCollectionRequest = validatorFor<CollectionRequest>(collectionRequestSchema, 'collection request');
/** Validates a processing message (telegram → podcastfy). */
export const parseProcessingMessage = validatorFor<ProcessingMessage>(processingMessageSchema, 'processing message');

/** Parses an SQS body as JSON; a body that is not JSON is a permanent {@link ValidationError}. */
export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new ValidationError('message body is not JSON', [(cause as Error).message], cause);
  }
}

/** Best effort, for failure reporting only: which podcast/episode a (possibly invalid) message names. */
export function identifyEpisode(value: unknown): { podcastId: string; episodeId: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const podcastId = v.podcast_id ?? v.podcast_config_id;
  const episodeId = v.episode_id;
  if (typeof podcastId !== 'string' || typeof episodeId !== 'string') return undefined;
  if (!new RegExp(ID_PATTERN).test(podcastId) || !new RegExp(EPISODE_ID_PATTERN).test(episodeId)) return undefined;
  return { podcastId, episodeId };
}

/** The podcastfy Lambda's direct-invocation input (the seed's "direct API calls"): text in, an episode out. */
export interface DirectGenerationRequest {
  podcast_id: string;
  text: string;
  title?: string;
}

export const directGenerationRequestSchema = {
  $id: 'telecast/direct-generation-request',
  type: 'object',
  additionalProperties: false,
  required: ['podcast_id', 'text'],
  properties: {
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    text: { type: 'string', minLength: 1, maxLength: 100_000 },
    title: { type: 'string', maxLength: 200 },
  },
} as const;

export const parseDirectGenerationRequest = validatorFor<DirectGenerationRequest>(
  directGenerationRequestSchema,
  'direct generation request',
);
