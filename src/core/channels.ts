/** Telegram channel names as operators write them and as the pipeline keys them. */

/** `@Some_Channel`, `t.me/Some_Channel` and `some_channel` all name the same channel. */
export function normaliseChannel(channel: string): string {
  return channel
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/^t\.me\//, '')
    .replace(/^@/, '')
    .toLowerCase();
}
