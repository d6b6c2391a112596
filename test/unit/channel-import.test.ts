import { expect } from 'chai';
import { createReadStream, readFileSync } from 'node:fs';
import { TelegramExportStore, exportPosts, jsonBody, type ChannelExport } from '../../src/adapters/telegram-export-reader.ts';
import { channelName } from '../../src/core/channels.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { MemoryObjects } from '../helpers/memory-ports.ts';

const channelExport = (messages: unknown[], type = 'public_channel'): ChannelExport =>
  ({ name: 'Sample', type, id: 1, messages }) as unknown as ChannelExport;
const ok = { id: 7, type: 'message', date: '2026-11-28T12:00:00', date_unixtime: '1795867200', text: 'A post long enough to keep.' };

function violationsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    return (error as ValidationError).violations;
  }
  throw new Error('expected a ValidationError');
}

describe('channel import: bad input refused clearly', () => {
  it("refuses a group's export: its members' private messages are not read into a podcast", () => {
    expect(violationsOf(() => exportPosts('@sample_chan', channelExport([ok], 'private_supergroup')))).to.deep.equal([
      "it is the export of a private supergroup, not of a channel: a group's or a person's messages are not read into a podcast",
    ]);
  });

  it('names the message and the field when a text is a number', () => {
    expect(violationsOf(() => exportPosts('@sample_chan', channelExport([ok, { ...ok, id: 8, text: 42 }])))).to.deep.equal(['message 8: text is a number, not text']);
  });

  it('names the message and the field when a date is not a date', () => {
    expect(violationsOf(() => exportPosts('@sample_chan', channelExport([{ ...ok, id: 9, date: 'yesterday', date_unixtime: undefined }])))).to.deep.equal([
      'message 9: date "yesterday" is not a date',
    ]);
  });

  it('names a text part that is neither text nor an entity', () => {
    expect(violationsOf(() => exportPosts('@sample_chan', channelExport([{ ...ok, id: 10, text: ['fine', { type: 'bold' }] }])))).to.deep.equal([
      'message 10: text is a list with a part that is neither text nor an entity, not text',
    ]);
  });

  it('says a whole-account export is not a channel export', () => {
    expect(violationsOf(() => exportPosts('@sample_chan', { chats: { list: [] } } as unknown as ChannelExport))[0]).to.include('whole-account export');
  });

  it('refuses a channel name that is not a Telegram username, such as ../../x, before storing anything', async () => {
    const objects = new MemoryObjects();
    const error = await new TelegramExportStore(objects).put('../../x', jsonBody(channelExport([ok]))).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.include('"../../x" is not a Telegram channel');
    expect(objects.writes).to.deep.equal([]);
  });

  it('accepts @name, name and https://t.me/name as the same channel', () => {
    expect(['@Sample_Chan', 'sample_chan', 'https://t.me/Sample_Chan'].map(channelName)).to.deep.equal(['sample_chan', 'sample_chan', 'sample_chan']);
    expect(() => channelName('https://example.com/x')).to.throw(ValidationError);
  });
});

describe('channel import: streaming the export into the store', () => {
  const fixture = (name: string) => createReadStream(`test/fixtures/telegram-export/${name}`, { highWaterMark: 97 });

  it("refuses a group's export read from the file, storing nothing", async () => {
    const objects = new MemoryObjects();
    const error = await new TelegramExportStore(objects).put('@harbour_notes', fixture('private-supergroup.json')).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.include('the export of @harbour_notes cannot be read').and.include('private supergroup');
    expect(objects.writes).to.deep.equal([]);
  });

  it('stores a real-shaped export with \\xNN escapes byte for byte, and counts its posts', async () => {
    const objects = new MemoryObjects();
    const result = await new TelegramExportStore(objects).put('@harbour_notes', fixture('desktop-2024.json'));
    expect(result).to.deep.equal({ key: 'channel-exports/harbour_notes/result.json', posts: 5, warnings: [] });
    expect(objects.objects.get(result.key)!.body).to.equal(readFileSync('test/fixtures/telegram-export/desktop-2024.json', 'utf-8'));
  });

  it('stores nothing when a message far into the export is broken', async () => {
    const objects = new MemoryObjects();
    const messages = Array.from({ length: 500 }, (_, i) => ({ ...ok, id: i + 1 }));
    const error = await new TelegramExportStore(objects).put('@sample_chan', jsonBody(channelExport([...messages, { ...ok, id: 501, text: 42 }]))).then(() => undefined, (e: unknown) => e);
    expect((error as ValidationError).violations).to.deep.equal(['message 501: text is a number, not text']);
    expect(objects.writes).to.deep.equal([]);
  });

  it('lists at most 10 problems, then how many more', async () => {
    const bad = Array.from({ length: 14 }, (_, i) => ({ ...ok, id: i + 1, text: 42 }));
    const error = await new TelegramExportStore(new MemoryObjects()).put('@sample_chan', jsonBody(channelExport(bad))).then(() => undefined, (e: unknown) => e);
    expect((error as ValidationError).violations).to.have.length(11);
    expect((error as ValidationError).violations[10]).to.equal('and 4 more');
  });

  it('warns that an old export\'s local dates are read as UTC when no --utc-offset was given', async () => {
    const result = await new TelegramExportStore(new MemoryObjects()).put('@harbour_notes', fixture('desktop-2019.json'));
    expect(result.warnings).to.have.length(1);
    expect(result.warnings[0]).to.include('2 messages of @harbour_notes').and.include('dates read as UTC; give --utc-offset');
  });

  it("keeps the exporter's UTC offset beside the export, and then gives no warning", async () => {
    const objects = new MemoryObjects();
    const result = await new TelegramExportStore(objects).put('@harbour_notes', fixture('desktop-2019.json'), { utcOffset: '+03:00' });
    expect(result.warnings).to.deep.equal([]);
    expect(await objects.getJson('channel-exports/harbour_notes/telecast-import.json')).to.include({ utc_offset: '+03:00', posts: 2, local_dates: 2 });
  });

  it('refuses a --utc-offset that is not one before reading anything', async () => {
    const objects = new MemoryObjects();
    const error = await new TelegramExportStore(objects).put('@harbour_notes', fixture('desktop-2019.json'), { utcOffset: 'MSK' }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.include('--utc-offset "MSK" is not a UTC offset');
    expect(objects.writes).to.deep.equal([]);
  });
});
