import { expect } from 'chai';
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
