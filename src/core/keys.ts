/**
 * The S3 layout, in one place (docs/architecture.md "S3 layout"). Every key the pipeline reads or writes is built here.
 *
 *   podcasts/<podcast_id>/<episode_id>/content.json   collected posts (telegram)
 *   podcasts/<podcast_id>/<episode_id>/media/…        copies of the kept posts' media
 *   podcasts/<podcast_id>/<episode_id>/script.json    the two-host dialogue
 *   podcasts/<podcast_id>/<episode_id>/episode.mp3    audio
 *   podcasts/<podcast_id>/<episode_id>/transcript.txt + transcript.vtt
 *   channel-exports/<channel>/result.json             a Telegram Desktop export (the export ChannelReader's source)
 *   channel-exports/<channel>/telecast-import.json    how it was imported (the exporter's UTC offset for old exports)
 *
 * `<episode_id>` is the episode's compact creation timestamp (time.ts), so folder, id and status record agree.
 */
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
  media: 'media/',
} as const;

export function episodeKey(podcastId: string, episodeId: string, file: keyof typeof EPISODE_FILES): string {
  return episodePrefix(podcastId, episodeId) + EPISODE_FILES[file];
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
 * The tag the storage module's lifecycle rule matches to expire media copies (S3 lifecycle filters cannot match a
 * mid-key folder such as `podcasts/*\/media/`). terraform/modules/storage holds the same key and value; a Terraform
 * test checks that they agree.
 */
export const MEDIA_TAG = { key: 'telecast-class', value: 'media' } as const;
