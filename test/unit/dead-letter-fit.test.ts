import { expect } from 'chai';
import { MessageTooLargeError, fitAttributes } from '../../src/adapters/sqs-queue.ts';

const wanted = {
  'telecast-error': `ValidationError: invalid collection request: ${'x'.repeat(900)}`,
  'telecast-stage': 'collecting',
  'telecast-error-name': 'ValidationError',
  'telecast-source-queue': 'telegram-collection-queue',
  'telecast-source-message-id': '1b2c3d4e-0000-4000-8000-000000000000',
  'telecast-receive-count': '1',
};
const size = (body: string, a: Record<string, string>) =>
  Buffer.byteLength(body) + Object.entries(a).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 6 + Buffer.byteLength(v), 0);

describe('dead-letter attributes cut to fit the message limit', () => {
  it('keeps every attribute whole when body and attributes fit', () => {
    expect(fitAttributes('{"a":1}', wanted, 262_144)).to.deep.equal(wanted);
  });

  it('shortens the reason, keeping its beginning, when the body is close to the limit', () => {
    const body = 'b'.repeat(262_144 - 800);
    const fitted = fitAttributes(body, wanted, 262_144);
    expect(size(body, fitted)).to.be.at.most(262_144);
    expect(fitted['telecast-error']).to.match(/^ValidationError: invalid collection request: x+…$/);
    expect(fitted['telecast-stage']).to.equal('collecting');
  });

  it('counts bytes, not characters: a Hebrew reason is cut to fit too', () => {
    const body = 'b'.repeat(262_144 - 700);
    const fitted = fitAttributes(body, { ...wanted, 'telecast-error': 'שגיאה '.repeat(150) }, 262_144);
    expect(size(body, fitted)).to.be.at.most(262_144);
  });

  it('throws MessageTooLargeError when not even a one-character reason fits', () => {
    expect(() => fitAttributes('b'.repeat(262_140), wanted, 262_144)).to.throw(MessageTooLargeError);
  });
});
