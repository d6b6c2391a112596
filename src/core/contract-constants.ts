/** Enumerations shared by the contract types and their schemas. */
export const SCHEMA_VERSION = 1;
export const LANGUAGES = ['en', 'he'] as const;
export const MEDIA_TYPES = ['photo', 'video', 'document', 'audio', 'voice', 'sticker', 'animation'] as const;
export const DOMAIN_MATCHES = ['exact', 'starts_with', 'ends_with', 'contains'] as const;
export const TRIGGERS = ['schedule', 'manual'] as const;

/** Script writers a podcast can name (core/generation/engines.ts describes each). */
export const SCRIPT_WRITERS = ['offline', 'bedrock', 'openai', 'gemini'] as const;
/** Voice engines a podcast can name (core/generation/engines.ts describes each). */
export const VOICE_ENGINES = ['espeak', 'flite', 'polly', 'openai', 'elevenlabs', 'gemini'] as const;
/** Where a channel's posts are read from (docs/architecture.md "Channel readers"); `auto` in a podcast picks one. */
export const CHANNEL_SOURCES = ['web', 'mtproto', 'export'] as const;
