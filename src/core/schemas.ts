/**
 * The contract schemas (JSON Schema, validated with ajv). Pure data: scripts/generate-validators.ts compiles them to
 * src/core/validators.generated.js at build time, and contracts.ts validates with that code.
 */
import { CHANNEL_SOURCES, DOMAIN_MATCHES, LANGUAGES, MEDIA_TYPES, SCHEMA_VERSION, SCRIPT_WRITERS, TRIGGERS, VOICE_ENGINES } from './contract-constants.ts';

export const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const EPISODE_ID_PATTERN = '^\\d{8}T\\d{9}Z$';
/** A Telegram channel as operators write it: a public username (`@name`, `name` or `https://t.me/name`), 4–32 chars. */
export const CHANNEL_PATTERN = '^(@|https://t\\.me/)?[A-Za-z][A-Za-z0-9_]{3,31}$';
/**
 * An ISO 8601 UTC instant as `Date.prototype.toISOString()` writes it (what every producer here sends). A pattern
 * rather than ajv-formats' `date-time`: the full RFC 3339 checker would ride in every Lambda bundle for this one use.
 */
const UTC_INSTANT = { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?Z$' } as const;
const S3_PATH_PATTERN = '^podcasts/[a-z0-9][a-z0-9-]{0,62}/\\d{8}T\\d{9}Z/$';

const speakerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 40 },
    role: { type: 'string', minLength: 1, maxLength: 120 },
    // Which ids are voices depends on the podcast's voice engine: engines.ts checks them after the schema.
    voice: { type: 'string', minLength: 1, maxLength: 100 },
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
      items: { type: 'string', pattern: CHANNEL_PATTERN },
    },
    // Per channel (as written in telegram_channels), where it is read from; a channel not named here is `auto`.
    channel_sources: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { pattern: CHANNEL_PATTERN },
      additionalProperties: { enum: ['auto', ...CHANNEL_SOURCES] },
      default: {},
    },
    window_hours: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
    episode_frequency_hours: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
    // No default here: absent means "from the frequency" (generation/length.ts targetMinutes), which follows the frequency.
    target_minutes: { type: 'integer', minimum: 1, maximum: 120 },
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
    script_writer: { enum: [...SCRIPT_WRITERS], default: 'offline' },
    // No static default: parsePodcastConfig picks one by language (defaultVoiceEngine in contracts.ts).
    voice_engine: { enum: [...VOICE_ENGINES] },
    // The podcast's public feed (src/core/publishing/): what directories show, and whether completed episodes are
    // published on their own. Fields a directory requires but missing here are reported by `podcast put`
    // (publishingMissing in publishing/feed.ts); the podcast is stored all the same, and stays unpublished.
    publishing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { enum: ['manual', 'auto'], default: 'manual' },
        description: { type: 'string', minLength: 1, maxLength: 4000 },
        artwork_url: { type: 'string', maxLength: 2000, pattern: '^https://[^\\s]+$' },
        // Apple Podcasts' category and, optionally, one of its subcategories (feed.ts checks the pair).
        category: { type: 'string', minLength: 1, maxLength: 60 },
        subcategory: { type: 'string', minLength: 1, maxLength: 60 },
        explicit: { type: 'boolean', default: false },
        author: { type: 'string', minLength: 1, maxLength: 200 },
        owner_name: { type: 'string', minLength: 1, maxLength: 200 },
        owner_email: { type: 'string', maxLength: 254, pattern: '^[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+$' },
        link: { type: 'string', maxLength: 2000, pattern: '^https?://[^\\s]+$' },
      },
      default: { mode: 'manual', explicit: false },
    },
  },
} as const;

const channelStatsSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['channel', 'source', 'read', 'kept', 'dropped', 'media_stored', 'media_failed'],
    properties: {
      channel: { type: 'string', minLength: 1 },
      source: { enum: [...CHANNEL_SOURCES] },
      read: { type: 'integer', minimum: 0 },
      kept: { type: 'integer', minimum: 0 },
      dropped: { type: 'object', additionalProperties: { type: 'integer', minimum: 1 } },
      media_stored: { type: 'integer', minimum: 0 },
      media_failed: { type: 'integer', minimum: 0 },
      last_id: { type: 'integer', minimum: 1 },
    },
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
    requested_at: UTC_INSTANT,
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
    timestamp: UTC_INSTANT,
    s3_path: { type: 'string', pattern: S3_PATH_PATTERN },
    // An operator's request for a new script (redriveEpisode with newScript): the generator writes one unless the
    // stored script was written at or after `requested_at`, so a redelivery of this message speaks the new script.
    new_script: {
      type: 'object',
      additionalProperties: false,
      required: ['requested_at'],
      properties: { requested_at: UTC_INSTANT },
    },
    result: {
      type: 'object',
      additionalProperties: false,
      required: ['channels', 'message_count', 'window_from', 'window_to', 'content_key'],
      properties: {
        channels: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        message_count: { type: 'integer', minimum: 1 },
        window_from: UTC_INSTANT,
        window_to: UTC_INSTANT,
        content_key: { type: 'string', minLength: 1 },
        channel_stats: channelStatsSchema,
      },
    },
  },
} as const;

/**
 * content.json: what the collector stores for the generator (claim check). The generator validates it when it reads
 * it, like every other hand-off: a hand-edited or truncated file fails with the field at fault, not deep in a writer.
 */
export const episodeContentSchema = {
  $id: 'telecast/episode-content',
  type: 'object',
  additionalProperties: false,
  required: ['schema_version', 'podcast_id', 'episode_id', 'channels', 'window', 'collected_at', 'posts'],
  properties: {
    schema_version: { const: SCHEMA_VERSION },
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    episode_id: { type: 'string', pattern: EPISODE_ID_PATTERN },
    channels: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    window: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: UTC_INSTANT, to: UTC_INSTANT },
    },
    collected_at: UTC_INSTANT,
    channel_stats: channelStatsSchema,
    posts: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['channel', 'id', 'date', 'text', 'links', 'media'],
        properties: {
          channel: { type: 'string', minLength: 1 },
          id: { type: 'integer' },
          date: UTC_INSTANT,
          text: { type: 'string' },
          links: { type: 'array', items: { type: 'string' } },
          forwarded_from: {
            type: 'object',
            additionalProperties: false,
            properties: { name: { type: 'string' }, channel: { type: 'string' }, id: { type: 'integer' } },
          },
          views: { type: 'integer', minimum: 0 },
          media: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['type'],
              properties: {
                type: { enum: [...MEDIA_TYPES] },
                file: { type: 'string' },
                url: { type: 'string' },
                key: { type: 'string' },
                bytes: { type: 'integer', minimum: 0 },
                content_type: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const directGenerationRequestSchema = {
  $id: 'telecast/direct-generation-request',
  type: 'object',
  additionalProperties: false,
  required: ['podcast_id', 'text'],
  properties: {
    podcast_id: { type: 'string', pattern: ID_PATTERN },
    text: { type: 'string', minLength: 1, maxLength: 100_000 },
  },
} as const;


/** Every schema, by the name its validator is exported under. */
export const SCHEMAS = {
  podcastConfig: podcastConfigSchema,
  collectionRequest: collectionRequestSchema,
  processingMessage: processingMessageSchema,
  directGenerationRequest: directGenerationRequestSchema,
  episodeContent: episodeContentSchema,
} as const;
