/**
 * The S3 layout, in one place (docs/architecture.md "S3 layout"). Every key the pipeline reads or writes is built here.
 *
 *   podcasts/<podcast_id>/<episode_id>/content.json   collected posts (telegram)
 *   podcasts/<podcast_id>/<episode_id>/media/…        copies of the kept posts' media
 *   podcasts/<podcast_id>/<episode_id>/script.json    the two-host dialogue (written once; retries reuse it)
 *   podcasts/<podcast_id>/<episode_id>/turns/<sha256>.pcm   each synthesised turn, kept for a retry (turn-cache.ts)
 *   podcasts/<podcast_id>/<episode_id>/episode.mp3    audio
 *   podcasts/<podcast_id>/<episode_id>/transcript.txt + transcript.vtt
 *   podcasts/<podcast_id>/<episode_id>/chapters.json   JSON chapters (Podcasting 2.0), one per section spoken
 *   channel-exports/<channel>/result.json             a Telegram Desktop export (the export ChannelReader's source)
 *   channel-exports/<channel>/telecast-import.json    how it was imported (the exporter's UTC offset for old exports)
 *
 * `<episode_id>` is the episode's compact creation timestamp (time.ts), so folder, id and status record agree.
 */
import { createHash } from 'node:crypto';
import { channelName } from './channels.ts';

/** `podcasts/<podcast_id>/<episode_id>/`: the seed's folder for everything one episode produces. */
export function episodePrefix(podcastId: string, episodeId: string): string {
  return `podcasts/${podcastId}/${episodeId}/`;
}

export const EPISODE_FILES = {
  content: 'content.json',
  script: 'script.json',
  audio: 'episode.mp3',
  transcript: 'transcript.txt',
  vtt: 'transcript.vtt',
  chapters: 'chapters.json',
  media: 'media/',
  turns: 'turns/',
} as const;

export function episodeKey(podcastId: string, episodeId: string, file: keyof typeof EPISODE_FILES): string {
  return episodePrefix(podcastId, episodeId) + EPISODE_FILES[file];
}

/** What a synthesised turn is addressed by: the same line spoken by the same voice of the same engine is one object. */
export interface TurnIdentity {
  engine: string;
  voice: string;
  /** The engine's fixed rate when it has one; undefined for an engine whose rate varies by voice. */
  sampleRate: number | undefined;
  text: string;
  /** A directable engine's instructions for the host (SpeechContext): other instructions, another turn. */
  instructions?: string;
}

/**
 * `podcasts/<podcast_id>/<episode_id>/turns/<sha256>.pcm`: one synthesised turn, content-addressed by engine, voice,
 * rate and text (sha256 of their JSON array), so a retry finds what an earlier attempt spoke and a changed line is a
 * new object.
 */
export function episodeTurnKey(podcastId: string, episodeId: string, turn: TurnIdentity): string {
  const hash = createHash('sha256')
    // Instructions join the identity only when given, so turns kept before they existed are still found.
    .update(JSON.stringify([turn.engine, turn.voice, turn.sampleRate ?? null, turn.text, ...(turn.instructions ? [turn.instructions] : [])]))
    .digest('hex');
  return `${episodeKey(podcastId, episodeId, 'turns')}${hash}.pcm`;
}

/** Where a Telegram Desktop export of a channel is kept in the bucket; throws ValidationError for a bad name. */
export function channelExportPrefix(channel: string): string {
  return `channel-exports/${channelName(channel)}/`;
}

/** The export itself: `channel-exports/<channel>/result.json`. */
export function channelExportKey(channel: string): string {
  return `${channelExportPrefix(channel)}result.json`;
}

/** What the import knew of the export that the file does not say (telecast-import.json, beside result.json). */
export function channelExportImportKey(channel: string): string {
  return `${channelExportPrefix(channel)}telecast-import.json`;
}

/**
 * The tag the storage module's lifecycle rule matches to expire media copies and kept turns (`turns/`, needed only
 * until the episode completes): S3 lifecycle filters cannot match a mid-key folder such as `podcasts/*\/media/`.
 * terraform/modules/storage holds the same key and value; a Terraform test checks that they agree.
 */
export const MEDIA_TAG = { key: 'telecast-class', value: 'media' } as const;

/**
 * The public prefix: only what is published lives under it, and only it is served (CloudFront's origin path is
 * /public; the local stack serves the same paths). `public/<x>` is at `${PUBLIC_BASE_URL}/<x>`.
 *
 *   public/<podcast_id>/feed.xml                                   the podcast's RSS feed
 *   public/<podcast_id>/episodes/<episode_id>/episode.mp3 …        a published episode's audio, transcripts, chapters
 *   podcasts/<podcast_id>/feed.json                                (private) the feed's guid, assigned once, and URL
 */
export const PUBLIC_PREFIX = 'public/';

export const PUBLIC_EPISODE_FILES = {
  audio: 'episode.mp3',
  vtt: 'transcript.vtt',
  transcript: 'transcript.txt',
  chapters: 'chapters.json',
} as const;

export function feedKey(podcastId: string): string {
  return `${PUBLIC_PREFIX}${podcastId}/feed.xml`;
}

export function publicEpisodeKey(podcastId: string, episodeId: string, file: keyof typeof PUBLIC_EPISODE_FILES): string {
  return `${PUBLIC_PREFIX}${podcastId}/episodes/${episodeId}/${PUBLIC_EPISODE_FILES[file]}`;
}

export function feedStateKey(podcastId: string): string {
  return `podcasts/${podcastId}/feed.json`;
}

/** The public URL of a key under public/; the base has no trailing slash. */
export function publicUrl(baseUrl: string, key: string): string {
  if (!key.startsWith(PUBLIC_PREFIX)) throw new Error(`${key} is not under ${PUBLIC_PREFIX}`);
  return `${baseUrl.replace(/\/+$/, '')}/${key.slice(PUBLIC_PREFIX.length).split('/').map(encodeURIComponent).join('/')}`;
}
