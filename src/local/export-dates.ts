/**
 * Moves a Telegram Desktop export forward in time. The sample export in test/fixtures/telegram-export/ is a static file,
 * but the telegram collector reads only the posts in the window (last completed episode or now − window_hours, now]:
 * a demo run next month would find nothing new. So the demo imports a copy whose dates are shifted by one offset, so that
 * the newest post is a few minutes old; the spacing between posts, and so which of them fall in the window, stays as
 * written in the fixture.
 */

interface DatedMessage {
  date?: string;
  date_unixtime?: string;
  edited?: string;
  edited_unixtime?: string;
}

/** Any export: only `messages[].date…` and `edited…` are read or written. */
interface ExportLike {
  messages: readonly object[];
}

/** The export's `date` strings are the exporter's local time without a zone; we write UTC (what `date_unixtime` says). */
function localDateString(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 19);
}

function unixOf(message: DatedMessage): number | undefined {
  if (message.date_unixtime !== undefined) return Number(message.date_unixtime);
  if (message.date) return Math.floor(Date.parse(`${message.date}Z`) / 1000);
  return undefined;
}

/** Newest message time (any type), in Unix seconds. */
export function newestMessageTime(data: ExportLike): number {
  const times = (data.messages as DatedMessage[]).map(unixOf).filter((t): t is number => t !== undefined && Number.isFinite(t));
  if (times.length === 0) throw new Error('the export has no dated messages');
  return Math.max(...times);
}

/**
 * A copy of `data` with every message's `date`/`date_unixtime` (and `edited`/`edited_unixtime`) moved by the same offset,
 * so that the newest message is at `newest`. Everything else is kept as is.
 */
export function shiftExportDates<T extends ExportLike>(data: T, newest: Date): T {
  const offset = Math.round(newest.getTime() / 1000) - newestMessageTime(data);
  const copy = structuredClone(data);
  for (const message of copy.messages as DatedMessage[]) {
    const time = unixOf(message);
    if (time !== undefined) {
      message.date_unixtime = String(time + offset);
      message.date = localDateString(time + offset);
    }
    if (message.edited_unixtime !== undefined) {
      const edited = Number(message.edited_unixtime) + offset;
      message.edited_unixtime = String(edited);
      message.edited = localDateString(edited);
    }
  }
  return copy;
}
