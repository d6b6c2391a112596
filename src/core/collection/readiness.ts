/**
 * Whether a podcast's channels can be read yet (an export uploaded, a session stored, a preview there): asked when a
 * podcast is stored and before the schedule starts an episode, so a podcast set up in any order never dead-letters
 * its first episode for want of a source.
 */
import type { PodcastConfig } from '../contracts.ts';
import { errorMessage } from '../errors.ts';
import type { ChannelReaders } from '../ports.ts';

export interface UnreadableChannel {
  channel: string;
  reason: string;
}

/** The podcast's channels that cannot be read now, each with why; a check that itself fails is reported, not thrown. */
export async function unreadableChannels(readers: ChannelReaders, podcast: Pick<PodcastConfig, 'telegram_channels' | 'channel_sources'>): Promise<UnreadableChannel[]> {
  const out: UnreadableChannel[] = [];
  for (const channel of podcast.telegram_channels) {
    let reason: string | undefined;
    try {
      reason = await readers.unreadable(podcast, channel);
    } catch (error) {
      // A readiness check that cannot finish (S3 or Secrets Manager down) does not hold the podcast back: the
      // collector reads it, and reports any failure on the episode.
      reason = undefined;
      void errorMessage(error);
    }
    if (reason) out.push({ channel, reason });
  }
  return out;
}
