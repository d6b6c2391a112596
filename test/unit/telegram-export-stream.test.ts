import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../src/core/errors.ts';
import { DesktopEscapes, parseExport } from '../../src/adapters/telegram-export-stream.ts';

const FIXTURES = 'test/fixtures/telegram-export/';

/** The text rewritten, fed in chunks of `size` bytes. */
function rewritten(text: string, size: number): string {
  const escapes = new DesktopEscapes();
  const out: Buffer[] = [];
  const bytes = Buffer.from(text, 'utf-8');
  for (let i = 0; i < bytes.length; i += size) escapes.write(bytes.subarray(i, i + size), (piece) => out.push(Buffer.from(piece)));
  escapes.end((piece) => out.push(Buffer.from(piece)));
  return Buffer.concat(out).toString('utf-8');
}

const chunked = (bytes: Uint8Array, size: number): Uint8Array[] => {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
};

async function messagesOf(chunks: Iterable<Uint8Array>): Promise<unknown[]> {
  const messages: unknown[] = [];
  await parseExport('@harbour_notes', chunks as unknown as AsyncIterable<Uint8Array>, { onMessage: (m) => messages.push(m) });
  return messages;
}

async function syntaxError(text: string): Promise<ValidationError> {
  try {
    await messagesOf([Buffer.from(text)]);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('Telegram Desktop export stream: \\xNN escapes', () => {
  it('rewrites \\xNN inside a string to \\u00NN', () => {
    expect(rewritten('{"text": "a\\x0Bb"}', 1000)).to.equal('{"text": "a\\u000Bb"}');
  });

  it('rewrites an escape cut by every possible chunk boundary the same way', () => {
    const text = '{"text": "fog\\x0Buntil \\x1F ü end"}';
    for (const size of [1, 2, 3, 4, 5, 7]) expect(rewritten(text, size), `chunks of ${size}`).to.equal('{"text": "fog\\u000Buntil \\u001F ü end"}');
  });

  it('leaves an escaped backslash followed by x41 alone, at any chunk boundary', () => {
    for (const size of [1, 2, 3, 1000]) expect(rewritten('{"t": "a\\\\x41"}', size)).to.equal('{"t": "a\\\\x41"}');
  });

  it('leaves ordinary JSON escapes (\\", \\n, \\u) as they are', () => {
    expect(rewritten('{"t": "say \\"x0B\\" \\n \\u00e9"}', 2)).to.equal('{"t": "say \\"x0B\\" \\n \\u00e9"}');
  });

  it('reads a real-shaped export with a \\x0B escape (which JSON.parse refuses) to the control character', async () => {
    const bytes = readFileSync(`${FIXTURES}desktop-2024.json`);
    expect(() => JSON.parse(bytes.toString('utf-8'))).to.throw(/Bad escaped character/);
    for (const size of [1, 13, 64 * 1024]) {
      const messages = (await messagesOf(chunked(bytes, size))) as Array<{ id: number; text: unknown }>;
      expect(messages.map((m) => m.id), `chunks of ${size}`).to.deep.equal([40, 41, 42, 43, 44, 45, 46]);
      expect(messages[2]!.text).to.equal('Fog warning for the outer harbour\u000Buntil 15:00.');
      expect(messages[4]!.text).to.equal("The new pontoon being lowered into place \\x41 (a crane's model number).");
    }
  });
});

describe('Telegram Desktop export stream: what it reports', () => {
  it('reports the top-level fields as they are read and the messages in file order', async () => {
    const fields: Array<[string, unknown]> = [];
    const ids: number[] = [];
    const outline = await parseExport('@c', [Buffer.from('{"name": "N", "type": "public_channel", "id": 7, "messages": [{"id": 1}, {"id": 2}]}')] as never, {
      onField: (k, v) => fields.push([k, v]),
      onMessage: (m) => ids.push((m as { id: number }).id),
    });
    expect(fields).to.deep.equal([['name', 'N'], ['type', 'public_channel'], ['id', 7]]);
    expect(ids).to.deep.equal([1, 2]);
    expect(outline).to.deep.equal({ root: 'object', keys: ['name', 'type', 'id', 'messages'], messagesArray: true, messages: 2 });
  });

  it("does not report a whole-account export's nested chats' messages as the export's messages", async () => {
    const text = JSON.stringify({ about: 'x', chats: { about: 'y', list: [{ name: 'C', type: 'public_channel', messages: [{ id: 1 }] }] } });
    const messages: unknown[] = [];
    const outline = await parseExport('@c', [Buffer.from(text)] as never, { onMessage: (m) => messages.push(m) });
    expect(messages).to.deep.equal([]);
    expect(outline.keys).to.deep.equal(['about', 'chats']);
    expect(outline.messagesArray).to.equal(false);
  });
});

describe('Telegram Desktop export stream: a broken file', () => {
  it('names the channel, the line and column, and what is wrong, for a bad escape', async () => {
    const error = await syntaxError('{\n "messages": [\n  {"id": 1, "text": "a\\qb"}\n ]\n}');
    expect(error.message).to.include('the export of @harbour_notes is not valid JSON');
    expect(error.violations[0]).to.equal('line 3, column 24 (byte 40): unexpected "q" after a backslash in a string (not an escape JSON or Telegram Desktop writes)');
  });

  it('counts lines and bytes in the file as written, before any escape was rewritten', async () => {
    const error = await syntaxError('{"messages": [\n{"text": "\\x0B\\x0B"}\n{"id": 2}]}');
    expect(error.violations[0]).to.match(/^line 3, column 1 \(byte 36\): unexpected/);
  });

  it('says a file cut short ends in the middle of its data, with a hint to export again', async () => {
    const error = await syntaxError('{\n "messages": [\n  {"id": 1, "text": "ab"}');
    expect(error.violations[0]).to.equal('it ends at line 3 in the middle of its data: an object or list is not closed');
    expect(error.violations[1]).to.include('Export the chat history again');
  });

  it('gives a hint to import the file Desktop wrote, unedited', async () => {
    const error = await syntaxError('{"messages": [{"id": 1 "text": "ab"}]}');
    expect(error.violations[0]).to.match(/^line 1, column \d+ \(byte \d+\): unexpected string "text"/);
    expect(error.violations[1]).to.include('unedited');
  });
});
