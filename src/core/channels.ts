/** Telegram channel names as operators write them and as the pipeline keys them. */
import { ValidationError } from './errors.ts';
import type { ChannelSource, PodcastConfig } from './contracts.ts';
import { CHANNEL_PATTERN } from './schemas.ts';

const CHANNEL = new RegExp(CHANNEL_PATTERN);

/** `@Some_Channel`, `t.me/Some_Channel` and `some_channel` all name the same channel. */
export function normaliseChannel(channel: string): string {
  return channel
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/^t\.me\//, '')
    .replace(/^@/, '')
    .toLowerCase();
}

/**
 * The channel's normalised name, after checking it is a Telegram username the way a podcast configuration's
 * `telegram_channels` are checked: `../../x`, a URL to something else or a name of the wrong length is refused, so it
 * can never reach an S3 key.
 */
export function channelName(channel: string): string {
  if (!CHANNEL.test(channel.trim())) {
    throw new ValidationError(`"${channel}" is not a Telegram channel`, [
      'a channel is @name, name or https://t.me/name: a letter, then 3 to 31 letters, digits or underscores',
    ]);
  }
  return normaliseChannel(channel);
}

/** The source a podcast configures for one of its channels (`channel_sources` keys are compared normalised), else `auto`. */
export function configuredSource(podcast: Pick<PodcastConfig, 'channel_sources'>, channel: string): ChannelSource | 'auto' {
  const wanted = normaliseChannel(channel);
  const entry = Object.entries(podcast.channel_sources ?? {}).find(([name]) => normaliseChannel(name) === wanted);
  return entry?.[1] ?? 'auto';
}

/** What is wrong with a podcast's `channel_sources`: a source for a channel the podcast does not read is a typo. */
export function channelSourceViolations(podcast: Pick<PodcastConfig, 'telegram_channels' | 'channel_sources'>): string[] {
  const channels = new Set(podcast.telegram_channels.map(normaliseChannel));
  return Object.keys(podcast.channel_sources ?? {})
    .filter((name) => !channels.has(normaliseChannel(name)))
    .map((name) => `/channel_sources/${name}: ${name} is not one of telegram_channels (${podcast.telegram_channels.join(', ')})`);
}
