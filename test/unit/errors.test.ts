import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { S3ObjectStore } from '../../src/adapters/s3-object-store.ts';
import { ConflictError, DownstreamError, NotReadyError, ValidationError, errorMessage, isRetryable } from '../../src/core/errors.ts';

/** An error shaped like the AWS SDK v3's service exceptions (core reads them duck-typed, without the SDK). */
function sdkError(name: string, message: string, httpStatusCode: number, fault?: 'client' | 'server'): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode }, ...(fault ? { $fault: fault } : {}) });
}

describe('errorMessage: what an operator reads', () => {
  it('is the name and message of an error without a cause', () => {
    expect(errorMessage(new NotReadyError('still locked'))).to.equal('NotReadyError: still locked');
  });

  it('appends the cause of a wrapped error, so the real reason survives the wrapping', () => {
    let parseError: unknown;
    try {
      JSON.parse('{not json');
    } catch (error) {
      parseError = error;
    }
    const wrapped = new DownstreamError('reading channel @x failed', { cause: parseError });
    expect(errorMessage(wrapped)).to.equal(`DownstreamError: reading channel @x failed: SyntaxError: ${(parseError as Error).message}`);
  });

  it('appends the whole cause chain, outermost first', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    const wrapped = new DownstreamError('reading channel @x failed', { cause: fetchFailed });
    expect(errorMessage(wrapped)).to.equal(
      'DownstreamError: reading channel @x failed: TypeError: fetch failed: Error: connect ECONNREFUSED 127.0.0.1:4566',
    );
  });

  it('does not repeat a cause whose message the wrapper already includes, yet still reaches the causes beyond it', () => {
    const conditional = sdkError('ConditionalCheckFailedException', 'The conditional request failed', 400, 'client');
    const conflict = new ConflictError('cannot claimCollection episode a/b: it is collecting', 'collecting', conditional);
    const lost = new NotReadyError(conflict.message, conflict);
    expect(errorMessage(lost)).to.equal(
      'NotReadyError: cannot claimCollection episode a/b: it is collecting: ConditionalCheckFailedException: The conditional request failed',
    );
    const inlined = new DownstreamError(`DynamoDB update failed: ${errorMessage(conditional)}`, { cause: conditional });
    expect(errorMessage(inlined)).to.equal('DownstreamError: DynamoDB update failed: ConditionalCheckFailedException: The conditional request failed');
  });

  it('names an AWS SDK error by its name and message, and by its HTTP status when the message says nothing', () => {
    expect(errorMessage(sdkError('ThrottlingException', 'Rate exceeded', 400, 'client'))).to.equal('ThrottlingException: Rate exceeded');
    expect(errorMessage(new DownstreamError('upload failed', { cause: sdkError('UnknownError', 'UnknownError', 413, 'client') }))).to.equal(
      'DownstreamError: upload failed: UnknownError (HTTP 413)',
    );
  });

  it('describes causes that are not Errors: strings, plain objects and other values', () => {
    expect(errorMessage(new DownstreamError('tts failed', { cause: 'voice not installed' }))).to.equal('DownstreamError: tts failed: voice not installed');
    expect(errorMessage(new DownstreamError('llm failed', { cause: { status: 503, body: 'overloaded' } }))).to.equal(
      'DownstreamError: llm failed: {"status":503,"body":"overloaded"}',
    );
    expect(errorMessage(new DownstreamError('odd failure', { cause: 42 }))).to.equal('DownstreamError: odd failure: 42');
    expect(errorMessage('plain string')).to.equal('plain string');
  });

  it('stops at a cycle and after a bounded number of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorMessage(b)).to.equal('Error: b: Error: a');

    let deep: Error = new Error('level 0');
    for (let i = 1; i <= 20; i++) deep = new Error(`level ${i}`, { cause: deep });
    const text = errorMessage(deep);
    expect(text.startsWith('Error: level 20: Error: level 19')).to.equal(true);
    expect(text).to.not.include('level 0');
    expect(text.endsWith('…')).to.equal(true);
  });

  it('is bounded in length however long the messages are', () => {
    const huge = new ValidationError('invalid content', ['x'.repeat(10_000)], new Error('y'.repeat(10_000)));
    const text = errorMessage(huge);
    expect(text.length).to.be.at.most(2000);
    expect(text.startsWith('ValidationError: invalid content: xxx')).to.equal(true);
    expect(text.endsWith('…')).to.equal(true);
  });
});

describe('isRetryable: AWS SDK errors by fault and HTTP status', () => {
  it('treats a 413 (request too large) as permanent, with or without a fault', () => {
    expect(isRetryable(sdkError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 413, 'client'))).to.equal(false);
    expect(isRetryable(sdkError('UnknownError', 'UnknownError', 413))).to.equal(false);
    expect(isRetryable(new DownstreamError('upload failed', { cause: sdkError('UnknownError', 'UnknownError', 413) }))).to.equal(false);
  });

  it('keeps 408 (request timeout) and 429 (too many requests) transient', () => {
    expect(isRetryable(sdkError('RequestTimeout', 'Your socket connection was not read from', 408, 'client'))).to.equal(true);
    expect(isRetryable(sdkError('UnknownError', 'UnknownError', 408))).to.equal(true);
    expect(isRetryable(sdkError('TooManyRequests', 'slow down', 429, 'client'))).to.equal(true);
  });

  it('keeps 5xx and network errors without a status transient', () => {
    expect(isRetryable(sdkError('InternalError', 'We encountered an internal error', 500))).to.equal(true);
    expect(isRetryable(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).to.equal(true);
  });
});

describe('S3ObjectStore: a body S3 refuses as too large', () => {
  // The SDK's answer to a 413, without a server: a client whose every request is refused so.
  const refusing = { send: async () => Promise.reject(sdkError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 413, 'client')) };
  const objects = new S3ObjectStore(refusing as unknown as S3Client, 'telecast-test');

  it('fails permanently, naming the object and its size, with the refusal as its cause', async () => {
    const error = await objects.putText('podcasts/p/e/transcript.txt', 'é'.repeat(1000), 'text/plain').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(false);
    expect(errorMessage(error)).to.equal(
      'DownstreamError: s3://telecast-test/podcasts/p/e/transcript.txt is too large to store: 2000 bytes refused: ' +
        'EntityTooLarge: Your proposed upload exceeds the maximum allowed size',
    );
  });
});
