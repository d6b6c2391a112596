/**
 * Large real-shaped Telegram Desktop exports written to disk as a stream (a 150 MB export is never a string in
 * memory): Desktop's layout (one-space indents), rich text with entities, placeholders, a `\x0B` escape now and then.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface ExportFileOptions {
  posts: number;
  /** Seconds between posts; the newest is at `newest`. */
  spacingSeconds?: number;
  newest?: Date;
  /** Characters of filler text per post (the export's size grows with it). */
  textChars?: number;
}

/** The message with id `id` of such an export, as Desktop writes it (its JSON text, escapes included). */
function messageJson(id: number, unix: number, filler: string): string {
  const date = new Date(unix * 1000).toISOString().slice(0, 19);
  const text = `Post ${id}: harbour news.\\x0B ${filler}`;
  return `  {
   "id": ${id},
   "type": "message",
   "date": "${date}",
   "date_unixtime": "${unix}",
   "from": "Harbour Notes",
   "from_id": "channel1865203347",${id % 7 === 0 ? '\n   "photo": "(File not included. Change data exporting settings to download.)",' : ''}
   "text": [
    "${text} ",
    {
     "type": "link",
     "text": "harbour.example.org/${id}"
    }
   ],
   "text_entities": [
    {
     "type": "plain",
     "text": "${text} "
    },
    {
     "type": "link",
     "text": "harbour.example.org/${id}"
    }
   ]
  }`;
}

/** Writes an export of `posts` posts (ids 1..posts, oldest first) to `path`; returns its size in bytes. */
export async function writeExportFile(path: string, options: ExportFileOptions): Promise<number> {
  const spacing = options.spacingSeconds ?? 60;
  const newest = Math.floor((options.newest ?? new Date()).getTime() / 1000);
  const filler = 'The ferry timetable changes again; the council explains why. '.repeat(Math.ceil((options.textChars ?? 400) / 62)).slice(0, options.textChars ?? 400);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{\n "name": "Harbour Notes",\n "type": "public_channel",\n "id": 1865203347,\n "messages": [\n');
  for (let id = 1; id <= options.posts; id++) {
    await write(`${messageJson(id, newest - (options.posts - id) * spacing, filler)}${id < options.posts ? ',' : ''}\n`);
  }
  await write(' ]\n}\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
