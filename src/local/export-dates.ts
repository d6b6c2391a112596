/**
 * Moves a Telegram Desktop export forward in time. The sample export in test/fixtures/telegram-export/ is a static file,
 * but the telegram collector reads only the posts in the window (last completed episode or now − window_hours, now]:
 * a demo run next month would find nothing new. So the demo imports a copy whose dates are shifted by one offset, so that
 * the newest post is a few minutes old; the spacing between posts, and so which of them fall in the window, stays as
 * written in the fixture.
 */

import { ExportStreamParser, parseExport } from '../adapters/telegram-export-stream.ts';

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

/** Newest message time (any type), in Unix seconds; a loop, not Math.max(...): an export may hold millions. */
export function newestMessageTime(data: ExportLike): number {
  let newest = -Infinity;
  for (const message of data.messages as DatedMessage[]) {
    const time = unixOf(message);
    if (time !== undefined && Number.isFinite(time) && time > newest) newest = time;
  }
  if (newest === -Infinity) throw new Error('the export has no dated messages');
  return newest;
}

/**
 * A copy of `data` with every message's `date`/`date_unixtime` (and `edited`/`edited_unixtime`) moved by the same offset,
 * so that the newest message is at `newest`. Everything else is kept as is.
 */
export function shiftExportDates<T extends ExportLike>(data: T, newest: Date): T {
  const offset = Math.round(newest.getTime() / 1000) - newestMessageTime(data);
  const copy = structuredClone(data);
  for (const message of copy.messages as DatedMessage[]) shiftMessage(message, offset);
  return copy;
}

function shiftMessage(message: DatedMessage, offset: number): void {
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

/** The newest message time of an export read as a stream (Unix seconds); throws when it has no dated message. */
export async function newestExportTime(channel: string, body: AsyncIterable<Uint8Array>): Promise<number> {
  let newest = -Infinity;
  await parseExport(channel, body, {
    onMessage: (message) => {
      const time = typeof message === 'object' && message !== null ? unixOf(message as DatedMessage) : undefined;
      if (time !== undefined && Number.isFinite(time) && time > newest) newest = time;
    },
  });
  if (newest === -Infinity) throw new Error('the export has no dated messages');
  return newest;
}

/**
 * An export streamed with every message's dates moved by `offsetSeconds` (as shiftExportDates does), written anew:
 * its top-level scalars (name, type, id) and its messages, one at a time, so memory stays flat however long it is.
 */
export async function* shiftedExport(channel: string, body: AsyncIterable<Uint8Array>, offsetSeconds: number): AsyncIterable<Uint8Array> {
  const out: string[] = [];
  const leading: string[] = [];
  const trailing: string[] = [];
  let opened = false;
  const open = (): void => {
    if (!opened) out.push(`{${leading.map((f) => `\n ${f},`).join('')}\n "messages": [`);
    opened = true;
  };
  const parser = new ExportStreamParser(channel, {
    onField: (key, value) => (opened ? trailing : leading).push(`${JSON.stringify(key)}: ${JSON.stringify(value)}`),
    onMessage: (message, index) => {
      open();
      if (typeof message === 'object' && message !== null) shiftMessage(message as DatedMessage, offsetSeconds);
      out.push(`${index ? ',' : ''}\n  ${JSON.stringify(message)}`);
    },
  });
  for await (const chunk of body) {
    parser.write(chunk);
    if (out.length) yield Buffer.from(out.splice(0).join(''), 'utf-8');
  }
  parser.end();
  open();
  // Fields after the messages (Desktop writes none) follow them.
  out.push(`\n ]${trailing.map((f) => `,\n ${f}`).join('')}\n}\n`);
  yield Buffer.from(out.join(''), 'utf-8');
}
