import { expect } from 'chai';
import { ERROR_BODY_CHARS, HttpStatusError, PoliteFetcher } from '../../src/adapters/polite-fetch.ts';
import { isRetryable } from '../../src/core/errors.ts';

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records what it is sent and answers from a list (its last answer repeats). */
function scriptedFetch(...answers: Array<() => Response>): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      sent.push({ url: String(input), method: init?.method, headers: init?.headers as Record<string, string>, body: init?.body });
      return (answers.length > 1 ? answers.shift()! : answers[0]!)();
    },
  };
}

const instant = { sleep: async () => {}, baseBackoffMs: 1, perHostDelayMs: 0 };

describe('PoliteFetcher.request (JSON APIs)', () => {
  it('POSTs the body with the caller\'s headers beside its User-Agent', async () => {
    const { fetch, sent } = scriptedFetch(() => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } }));
    const response = await new PoliteFetcher({ fetch, ...instant }).request(
      'https://api.example/v1/do',
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'secret-123' }, body: '{"a":1}' },
      { subject: 'the example API', maxBytes: 1000, accept: 'application/json' },
    );
    expect(new TextDecoder().decode(response.body)).to.equal('{"ok":true}');
    expect(sent).to.have.length(1);
    expect(sent[0]).to.deep.include({ method: 'POST', body: '{"a":1}' });
    expect(sent[0]!.headers).to.include({ 'content-type': 'application/json', 'x-api-key': 'secret-123', accept: 'application/json' });
    expect(sent[0]!.headers['user-agent']).to.match(/^Telecast/);
  });

  it('keeps GET as it was for get()', async () => {
    const { fetch, sent } = scriptedFetch(() => new Response('<html></html>', { status: 200 }));
    await new PoliteFetcher({ fetch, ...instant }).get('https://t.me/s/x', { subject: 'a page', maxBytes: 1000 });
    expect(sent[0]!.method).to.equal('GET');
    expect(sent[0]!.body).to.equal(undefined);
  });

  it('refuses a 4xx permanently with its status and the start of its body, never the request\'s headers', async () => {
    const { fetch, sent } = scriptedFetch(() => new Response(`{"error":"${'x'.repeat(5000)}"}`, { status: 400 }));
    let error: unknown;
    try {
      await new PoliteFetcher({ fetch, ...instant }).request('https://api.example/v1/do', { method: 'POST', headers: { 'x-api-key': 'secret-123' }, body: '{}' }, { subject: 'the example API', maxBytes: 1000 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(HttpStatusError);
    const refused = error as HttpStatusError;
    expect(refused.status).to.equal(400);
    expect(refused.body.length).to.equal(ERROR_BODY_CHARS);
    expect(refused.body.startsWith('{"error":"xxx')).to.equal(true);
    expect(isRetryable(refused)).to.equal(false);
    expect(refused.message).to.equal('the example API: HTTP 400 from https://api.example/v1/do').and.not.contain('secret-123');
    expect(sent).to.have.length(1);
  });

  it('gives a 429 that outlives its retries as a transient HttpStatusError with the body, waiting what the body names', async () => {
    const waits: number[] = [];
    const { fetch, sent } = scriptedFetch(() => new Response('{"retry":"2"}', { status: 429 }));
    let error: unknown;
    try {
      await new PoliteFetcher({ fetch, ...instant, sleep: async (ms) => void waits.push(ms), maxRetries: 2 }).request(
        'https://api.example/v1/do',
        { method: 'POST', body: '{}' },
        { subject: 'the example API', maxBytes: 1000, retryAfterFromBody: (status, body) => (status === 429 ? Number(JSON.parse(body).retry) * 1000 : undefined) },
      );
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).to.equal(429);
    expect((error as HttpStatusError).body).to.equal('{"retry":"2"}');
    expect((error as Error).message).to.contain('after 3 tries');
    expect(isRetryable(error)).to.equal(true);
    expect(sent).to.have.length(3);
    expect(waits).to.deep.equal([2000, 2000]);
  });
});
