// The admin function's HTTP surface against in-memory ports: authentication, origin checks, login throttling,
// escaping, and the API's answers to bad input (a clear message, nothing changed).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SCRIPT_WRITERS, VOICE_ENGINES } from '../../src/core/contract-constants.ts';
import { createAdminApp } from '../../src/admin/app.ts';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../src/admin/http.ts';
import { LoginThrottle } from '../../src/admin/login-throttle.ts';
import { hashPassword } from '../../src/admin/password.ts';
import { PAGE_PATTERNS } from '../../src/admin/pages.ts';
import { webAssets } from '../../src/admin/web-assets.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { episode, functionUrlEvent, podcastConfig } from '../helpers/factories.ts';
import { MemoryAuditLog, MemoryObjectLinks } from '../helpers/memory-ports.ts';
import { APPLE_CATEGORIES } from '../../src/core/publishing/apple-categories.ts';
import { PUBLIC_BASE_URL, QUEUE_URLS, operationsWorld } from '../helpers/operations-world.ts';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const PASSWORD = 'correct horse battery staple';
const HOST = 'abc123.lambda-url.eu-central-1.on.aws';
const ORIGIN = `https://${HOST}`;
const URLS = QUEUE_URLS;

// One hash for the file: scrypt is slow on purpose; small parameters keep the specs fast.
const passwordHash = hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });

async function world() {
  // One bucket for the transcript route and the publisher (its public copies and the feed).
  const { ops: operations, podcasts, episodes, queues, deadLetters, clock, objects } = operationsWorld();
  const audit = new MemoryAuditLog();
  const sleeps: number[] = [];
  const secret = { passwordHash: await passwordHash, sessionKey: randomBytes(32) };
  const app = createAdminApp({
    operations,
    links: new MemoryObjectLinks(),
    objects,
    audit,
    secret: async () => secret,
    assets: webAssets(),
    clock,
    logger,
    throttle: new LoginThrottle(),
    sleep: async (ms) => void sleeps.push(ms),
  });
  /** Logs in and returns the session cookie (`name=value`). */
  const login = async (): Promise<string> => {
    const r = await app(functionUrlEvent('POST', '/login', { headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: `password=${encodeURIComponent(PASSWORD)}` }));
    expect(r.statusCode, r.body).to.equal(303);
    return r.cookies![0]!.split(';')[0]!;
  };
  return { app, podcasts, episodes, queues, objects, audit, clock, sleeps, deadLetters, login };
}

type World = Awaited<ReturnType<typeof world>>;

/** A request from a logged-in page of this origin. */
function as(cookie: string, method: string, path: string, body?: unknown, query = ''): FunctionUrlEvent {
  return functionUrlEvent(method, path, {
    query,
    cookies: [cookie],
    headers: method === 'GET' ? {} : { origin: ORIGIN, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const bodyOf = (r: FunctionUrlResult) => JSON.parse(r.body) as Record<string, unknown> & { error: string };

/** Every API route, with its method and a concrete path. */
const API_ROUTES: Array<[string, string]> = [
  ['GET', '/api/podcasts'],
  ['GET', '/api/podcasts/tech-pulse'],
  ['PUT', '/api/podcasts/tech-pulse'],
  ['POST', '/api/podcasts/tech-pulse/episodes'],
  ['GET', '/api/podcasts/tech-pulse/episodes'],
  ['GET', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z'],
  ['GET', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z/transcript'],
  ['POST', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z/retry'],
  ['POST', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z/publish'],
  ['POST', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z/withdraw'],
  ['GET', '/api/queues'],
  ['GET', '/api/queues/processing/letters'],
  ['POST', '/api/queues/processing/redrive'],
  ['GET', '/api/episodes'],
  ['GET', '/api/audit'],
];

describe('admin: authentication and request safety', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.podcasts.put(podcastConfig());
  });

  for (const [method, path] of API_ROUTES) {
    it(`${method} ${path} without a session answers 401 JSON and changes nothing`, async () => {
      const r = await w.app(functionUrlEvent(method, path, { headers: { origin: ORIGIN }, body: '{}' }));
      expect(r.statusCode).to.equal(401);
      expect(r.headers['content-type']).to.match(/^application\/json/);
      expect(bodyOf(r).error).to.match(/not logged in/);
      expect(w.queues.sent).to.be.empty;
      expect(w.audit.entries).to.be.empty;
    });
  }

  for (const pattern of PAGE_PATTERNS) {
    const path = pattern.replace(':podcast', 'tech-pulse').replace(':episode', '20261129T070000123Z');
    it(`page ${path} without a session redirects to the login, and back after`, async () => {
      const r = await w.app(functionUrlEvent('GET', path));
      expect(r.statusCode).to.equal(303);
      expect(r.headers.location).to.equal(path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}`);
    });
  }

  it('a forged or tampered session cookie is no session', async () => {
    const cookie = await w.login();
    const [name, value] = cookie.split('=') as [string, string];
    const [id, expiry, mac] = value.split('.');
    const tampered = `${name}=${id}.${Number(expiry) + 3_600_000}.${mac}`;
    expect((await w.app(as(tampered, 'GET', '/api/podcasts'))).statusCode).to.equal(401);
    expect((await w.app(as(cookie, 'GET', '/api/podcasts'))).statusCode).to.equal(200);
  });

  it('an expired session is refused', async () => {
    const cookie = await w.login();
    w.clock.advance(9 * 3_600_000);
    expect((await w.app(as(cookie, 'GET', '/api/podcasts'))).statusCode).to.equal(401);
  });

  it('the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/ with an expiry', async () => {
    const r = await w.app(functionUrlEvent('POST', '/login', { headers: { origin: ORIGIN }, body: `password=${encodeURIComponent(PASSWORD)}` }));
    expect(r.cookies![0]).to.match(/; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('a cross-origin publish or withdraw is refused with 403 even with a valid session, and nothing is published', async () => {
    const cookie = await w.login();
    for (const what of ['publish', 'withdraw']) {
      const event = as(cookie, 'POST', `/api/podcasts/tech-pulse/episodes/20261129T070000123Z/${what}`);
      event.headers.origin = 'https://evil.example';
      const r = await w.app(event);
      expect(r.statusCode).to.equal(403);
      expect(bodyOf(r).error).to.match(/cross-origin/);
    }
    expect([...w.objects.objects.keys()]).to.be.empty;
    expect(w.audit.entries.map((e) => e.action)).to.deep.equal(['login']);
  });

  it('a cross-origin POST is refused with 403 even with a valid session, and nothing is started', async () => {
    const cookie = await w.login();
    for (const origin of ['https://evil.example', undefined]) {
      const event = as(cookie, 'POST', '/api/podcasts/tech-pulse/episodes');
      if (origin) event.headers.origin = origin;
      else delete event.headers.origin;
      const r = await w.app(event);
      expect(r.statusCode).to.equal(403);
      expect(bodyOf(r).error).to.match(/cross-origin/);
    }
    expect(w.queues.sent).to.be.empty;
  });

  it("a form post of this site's own page (Origin null under no-referrer) passes on Sec-Fetch-Site: same-origin, a cross-site one does not", async () => {
    const post = (site: string) => w.app(functionUrlEvent('POST', '/login', { headers: { origin: 'null', 'sec-fetch-site': site }, body: `password=${encodeURIComponent(PASSWORD)}` }));
    expect((await post('same-origin')).statusCode).to.equal(303);
    expect((await post('cross-site')).statusCode).to.equal(403);
  });

  it('failed logins from one address are slowed down, more each time, up to a bound; a success resets it', async () => {
    const attempt = (password: string) =>
      w.app(functionUrlEvent('POST', '/login', { headers: { origin: ORIGIN }, body: `password=${encodeURIComponent(password)}`, sourceIp: '203.0.113.9' }));
    for (let i = 0; i < 8; i++) {
      const r = await attempt('wrong');
      expect(r.statusCode).to.equal(303);
      expect(r.headers.location).to.match(/^\/login\?failed=1/);
      expect(r.cookies).to.equal(undefined);
    }
    expect(w.sleeps).to.deep.equal([250, 500, 1000, 2000, 4000, 8000, 8000]);
    await attempt(PASSWORD);
    await attempt('wrong');
    expect(w.sleeps.length).to.equal(8); // the success waited its turn; the next failure starts over without waiting
    expect(w.audit.entries.filter((e) => e.action === 'login' && e.outcome === 'refused')).to.have.length(9);
  });

  it('every response carries the CSP, nosniff and no-referrer headers', async () => {
    const cookie = await w.login();
    for (const r of [await w.app(functionUrlEvent('GET', '/login')), await w.app(as(cookie, 'GET', '/api/podcasts')), await w.app(as(cookie, 'GET', '/'))]) {
      expect(r.headers['content-security-policy']).to.match(/^default-src 'self';.* frame-ancestors 'none'$/);
      expect(r.headers['x-content-type-options']).to.equal('nosniff');
      expect(r.headers['referrer-policy']).to.equal('no-referrer');
    }
  });

  it('the login page escapes the address it returns to', async () => {
    const r = await w.app(functionUrlEvent('GET', '/login', { query: 'next=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E' }));
    expect(r.body).not.to.include('<script>alert(1)</script>');
    expect(r.body).to.include('&#34;&#62;&#60;script&#62;');
  });

  it('after login, a `next` of another site goes to the home page instead', async () => {
    const r = await w.app(functionUrlEvent('POST', '/login', { headers: { origin: ORIGIN }, body: `password=${encodeURIComponent(PASSWORD)}&next=${encodeURIComponent('//evil.example/')}` }));
    expect(r.headers.location).to.equal('/');
  });

  it('logout clears the cookie', async () => {
    const cookie = await w.login();
    const r = await w.app(functionUrlEvent('POST', '/logout', { cookies: [cookie], headers: { origin: ORIGIN } }));
    expect(r.statusCode).to.equal(303);
    expect(r.cookies![0]).to.match(/^telecast_session=; Max-Age=0/);
  });
});

describe('admin: the JSON API', () => {
  let w: World;
  let cookie: string;
  beforeEach(async () => {
    w = await world();
    await w.podcasts.put(podcastConfig());
    cookie = await w.login();
  });

  it('a podcast named <script>alert(1)</script> comes back as data, and the page shell carries no podcast data at all', async () => {
    await w.podcasts.put(podcastConfig({ podcast_id: 'xss', name: '<script>alert(1)</script>' }));
    const list = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts'))) as unknown as { podcasts: Array<{ name: string }> };
    expect(list.podcasts.map((p) => p.name)).to.include('<script>alert(1)</script>');
    const page = await w.app(as(cookie, 'GET', '/podcasts/xss'));
    expect(page.body).not.to.include('alert(1)');
    // The client puts values in with textContent only.
    expect(webAssets()['app.js']).not.to.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('PUT with wrong fields answers 400 naming each field, and stores nothing', async () => {
    const r = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { name: '', telegram_channels: [], window_hours: 'abc', speakers: { person1: { name: 'A', role: 'host', voice: 'nope' }, person2: { name: 'B', role: 'guest' } } }));
    expect(r.statusCode).to.equal(400);
    const body = bodyOf(r) as unknown as { error: string; field: string; violations: Array<{ field: string; message: string }> };
    expect(body.violations.map((v) => v.field)).to.include.members(['name', 'telegram_channels', 'window_hours']);
    expect(body.field).to.be.a('string');
    expect((await w.podcasts.get('tech-pulse'))!.name).to.equal('Tech Pulse');
    expect(w.audit.entries.at(-1)).to.include({ action: 'config-change', target: 'tech-pulse', outcome: 'refused' });
  });

  it('PUT with a body that names another podcast is refused', async () => {
    const r = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), podcast_id: 'other' }));
    expect(r.statusCode).to.equal(400);
    expect(bodyOf(r).field).to.equal('podcast_id');
  });

  it('PUT stores a valid configuration and records the change', async () => {
    const r = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), name: 'Renamed' }));
    expect(r.statusCode).to.equal(200);
    expect((await w.podcasts.get('tech-pulse'))!.name).to.equal('Renamed');
    expect(w.audit.entries.at(-1)).to.include({ action: 'config-change', target: 'tech-pulse', outcome: 'ok' });
    expect(w.audit.entries.at(-1)!.actor).to.match(/^[\w-]{12}$/);
  });

  it('a podcast without target_minutes says its length comes from the frequency, and what that is', async () => {
    const body = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse'))) as unknown as { length: unknown };
    expect(body.length).to.deep.equal({ target_minutes: 10, from_frequency: true, frequency_minutes: 10 });
  });

  it('PUT sets target_minutes and the answer says the length is the setting; leaving it out goes back to the frequency', async () => {
    const set = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), target_minutes: 15 }));
    expect(set.statusCode).to.equal(200);
    expect((bodyOf(set) as unknown as { length: unknown }).length).to.deep.equal({ target_minutes: 15, from_frequency: false, frequency_minutes: 10 });
    expect((await w.podcasts.get('tech-pulse'))!.target_minutes).to.equal(15);
    const weekly = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), episode_frequency_hours: 168 }));
    expect((bodyOf(weekly) as unknown as { length: unknown }).length).to.deep.equal({ target_minutes: 20, from_frequency: true, frequency_minutes: 20 });
    expect((await w.podcasts.get('tech-pulse'))!.target_minutes).to.equal(undefined);
  });

  it('PUT with a target_minutes out of 1..120 answers 400 naming the field, and stores nothing', async () => {
    for (const target_minutes of [0, 121, 2.5]) {
      const r = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), target_minutes }));
      expect(r.statusCode).to.equal(400);
      expect((bodyOf(r) as unknown as { violations: Array<{ field: string }> }).violations.map((v) => v.field)).to.deep.equal(['target_minutes']);
    }
    expect((await w.podcasts.get('tech-pulse'))!.target_minutes).to.equal(undefined);
  });

  it('the configuration form edits target_minutes and says what an empty field means', () => {
    const app = webAssets()['app.js']!;
    expect(app).to.match(/\['target_minutes', 'Episode length \(minutes, 1 to 120\)', 'number'\]/);
    expect(app).to.include('Empty: from the episode frequency');
  });

  it('POST episodes starts one: 202 with its id, status and status URL; a second is refused with the one in flight', async () => {
    const r = await w.app(as(cookie, 'POST', '/api/podcasts/tech-pulse/episodes'));
    expect(r.statusCode).to.equal(202);
    const started = bodyOf(r) as unknown as { episode_id: string; status: string; status_url: string };
    expect(started.status).to.equal('pending');
    expect(started.status_url).to.equal(`/api/podcasts/tech-pulse/episodes/${started.episode_id}`);
    expect(w.queues.to(URLS.collection)).to.have.length(1);
    const again = await w.app(as(cookie, 'POST', '/api/podcasts/tech-pulse/episodes'));
    expect(again.statusCode).to.equal(409);
    expect((bodyOf(again) as unknown as { episode: { episode_id: string } }).episode.episode_id).to.equal(started.episode_id);
    expect(w.queues.to(URLS.collection)).to.have.length(1);
    expect(w.audit.entries.filter((e) => e.action === 'generate').map((e) => e.outcome)).to.deep.equal(['ok', 'refused']);
  });

  it('POST episodes for an unknown podcast is 404 and for a disabled one 409; nothing is sent', async () => {
    await w.podcasts.put(podcastConfig({ podcast_id: 'off', enabled: false }));
    const unknown = await w.app(as(cookie, 'POST', '/api/podcasts/nope/episodes'));
    expect(unknown.statusCode).to.equal(404);
    expect(bodyOf(unknown).error).to.match(/unknown podcast "nope"/);
    const disabled = await w.app(as(cookie, 'POST', '/api/podcasts/off/episodes'));
    expect(disabled.statusCode).to.equal(409);
    expect(bodyOf(disabled).error).to.match(/disabled/);
    expect(w.queues.sent).to.be.empty;
  });

  it('retry of an episode that is not failed is 409 with its status, and nothing is sent', async () => {
    w.episodes.seed(episode({ status: 'completed' }));
    const r = await w.app(as(cookie, 'POST', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z/retry'));
    expect(r.statusCode).to.equal(409);
    expect(bodyOf(r).error).to.match(/is completed, not failed/);
    expect(w.queues.sent).to.be.empty;
  });

  it('retry with { new_script: true } of an episode failed at generating sends its message asking for a new script, and the audit log says so', async () => {
    const failed = episode({ status: 'failed', failed_stage: 'generating', attempts: 1 });
    const result = { channels: ['telecast_sample'], message_count: 2, window_from: failed.timestamp, window_to: failed.timestamp, content_key: `${failed.s3_path}content.json` };
    w.episodes.seed({ ...failed, result });
    const r = await w.app(as(cookie, 'POST', `/api/podcasts/tech-pulse/episodes/${failed.episode_id}/retry`, { new_script: true }));
    expect(r.statusCode, r.body).to.equal(200);
    expect(bodyOf(r)).to.include({ method: 'new-script', discarded: 0, queue: 'processing' });
    const [sent] = w.queues.to(URLS.processing) as Array<{ new_script?: { requested_at: string } }>;
    expect(sent?.new_script).to.deep.equal({ requested_at: w.clock.now().toISOString() });
    expect(w.audit.entries.filter((e) => e.action === 'retry')).to.deep.include.members([
      { at: w.clock.now().toISOString(), actor: w.audit.entries.at(-1)!.actor, action: 'retry', target: `tech-pulse/${failed.episode_id}`, outcome: 'ok', detail: 'with a new script' },
    ]);
  });

  it('retry with a new script of an episode failed at collecting is 409 saying why; a new_script that is not boolean is 400 naming it', async () => {
    const failed = episode({ status: 'failed', failed_stage: 'collecting', attempts: 1 });
    w.episodes.seed(failed);
    const refused = await w.app(as(cookie, 'POST', `/api/podcasts/tech-pulse/episodes/${failed.episode_id}/retry`, { new_script: true }));
    expect(refused.statusCode).to.equal(409);
    expect(bodyOf(refused).error).to.match(/failed at collecting, not generating/);
    const bad = await w.app(as(cookie, 'POST', `/api/podcasts/tech-pulse/episodes/${failed.episode_id}/retry`, { new_script: 'yes' }));
    expect(bad.statusCode).to.equal(400);
    expect(bodyOf(bad)).to.include({ field: 'new_script' });
    expect(w.queues.sent).to.be.empty;
  });

  it('retry of an unknown episode is 404', async () => {
    const r = await w.app(as(cookie, 'POST', '/api/podcasts/tech-pulse/episodes/20990101T000000000Z/retry'));
    expect(r.statusCode).to.equal(404);
  });

  it('redrive of an empty DLQ answers 200 with moved 0 and says so; an unknown queue is 400 naming the choices', async () => {
    const r = await w.app(as(cookie, 'POST', '/api/queues/processing/redrive'));
    expect(r.statusCode).to.equal(200);
    expect(bodyOf(r)).to.include({ moved: 0, message: 'the dead-letter queue is empty: nothing to redrive' });
    const bad = await w.app(as(cookie, 'POST', '/api/queues/nope/redrive'));
    expect(bad.statusCode).to.equal(400);
    expect(bodyOf(bad).error).to.match(/unknown queue "nope".*collection, processing/);
    expect(w.queues.sent).to.be.empty;
  });

  it('an episode answers with its stage, time in stage, timeline and, once completed, 15-minute links', async () => {
    w.episodes.seed(episode());
    const key = { podcastId: 'tech-pulse', episodeId: '20261129T070000123Z' };
    const t0 = w.clock.now();
    await w.episodes.apply('claimCollection', key, { message_id: 'm-1' }, new Date(t0.getTime() + 1000));
    w.clock.advance(5000);
    let view = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z'))) as unknown as Record<string, any>;
    expect(view).to.include({ status: 'collecting', stage: 'collecting', terminal: false, time_in_stage_seconds: 4 });
    expect(view.timeline.map((p: { status: string }) => p.status)).to.deep.equal(['pending', 'collecting']);
    expect(view.timeline[1]).to.include({ attempt: 1, message_id: 'm-1' });
    await w.episodes.apply('markCollected', key, { result: { channels: ['a'], message_count: 1, window_from: t0.toISOString(), window_to: t0.toISOString(), content_key: 'c' } }, w.clock.now());
    await w.episodes.apply('claimGeneration', key, { message_id: 'm-2' }, w.clock.now());
    await w.episodes.apply('markCompleted', key, { audio_key: 'podcasts/tech-pulse/x/episode.mp3', transcript_key: 't.txt', vtt_key: 't.vtt', duration_seconds: 61 }, w.clock.now());
    view = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z'))) as unknown as Record<string, any>;
    expect(view).to.include({ status: 'completed', terminal: true, time_in_stage_seconds: null, duration_seconds: 61 });
    expect(view.files.audio).to.equal('https://files.test/podcasts/tech-pulse/x/episode.mp3?expires=900&signature=memory');
    expect(view.timeline.map((p: { status: string }) => p.status)).to.deep.equal(['pending', 'collecting', 'collected', 'generating', 'completed']);
    expect(view.generation).to.equal(undefined);
  });

  it("a completed episode shows how its script was written: words, estimated and target minutes, what was left out, a model's usage", async () => {
    const generation = {
      writer: 'bedrock' as const,
      model: 'bedrock amazon.nova-lite-v1:0',
      target_minutes: 10,
      words: 900,
      estimated_minutes: 6,
      short_because: 'the 4 posts hold about 6 minutes',
      posts_left_out: 0,
      promotional_dropped: 2,
      usage: { requests: 3, input_tokens: 5200, output_tokens: 1400, estimated_cost_usd: 0.0012, repairs: 0 },
    };
    w.episodes.seed(episode({ status: 'completed', audio_key: 'a.mp3', transcript_key: 't.txt', vtt_key: 't.vtt', duration_seconds: 370, generation }));
    const view = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse/episodes/20261129T070000123Z'))) as unknown as Record<string, any>;
    expect(view.generation).to.deep.equal(generation);
  });

  it('episodes are listed newest first in pages', async () => {
    for (let i = 0; i < 5; i++) w.episodes.seed(episode({ status: 'completed' }, new Date(Date.UTC(2026, 10, 20 + i, 7))));
    const first = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse/episodes', undefined, 'limit=2'))) as unknown as { episodes: Array<{ episode_id: string }>; next_before: string };
    expect(first.episodes.map((e) => e.episode_id)).to.deep.equal(['20261124T070000000Z', '20261123T070000000Z']);
    const second = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse/episodes', undefined, `limit=2&before=${first.next_before}`))) as unknown as { episodes: Array<{ episode_id: string }> };
    expect(second.episodes.map((e) => e.episode_id)).to.deep.equal(['20261122T070000000Z', '20261121T070000000Z']);
  });

  it('search filters across podcasts by status and date, and names a bad filter', async () => {
    await w.podcasts.put(podcastConfig({ podcast_id: 'other' }));
    w.episodes.seed(episode({ status: 'failed', error: 'boom', failed_stage: 'collecting' }, new Date('2026-11-20T07:00:00Z')));
    w.episodes.seed({ ...episode({ status: 'completed' }, new Date('2026-11-21T07:00:00Z')), podcast_id: 'other' });
    const found = bodyOf(await w.app(as(cookie, 'GET', '/api/episodes', undefined, 'status=failed&from=2026-11-20&to=2026-11-20'))) as unknown as { episodes: Array<{ podcast_id: string }> };
    expect(found.episodes.map((e) => e.podcast_id)).to.deep.equal(['tech-pulse']);
    const bad = await w.app(as(cookie, 'GET', '/api/episodes', undefined, 'status=lost&from=yesterday'));
    expect(bad.statusCode).to.equal(400);
    expect(bodyOf(bad).error).to.match(/status must be one of.*from must be an ISO date/);
  });

  it('the podcasts list shows the latest status and when the next episode is due', async () => {
    w.episodes.seed(episode({ status: 'completed' }, new Date('2026-11-28T09:00:00.000Z')));
    const body = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts'))) as unknown as { podcasts: Array<Record<string, any>> };
    expect(body.podcasts[0]!.latest.status).to.equal('completed');
    expect(body.podcasts[0]!.next_due_at).to.equal('2026-11-29T09:00:00.000Z');
  });

  it('the audit log lists actions newest first', async () => {
    await w.app(as(cookie, 'POST', '/api/queues/collection/redrive'));
    const body = bodyOf(await w.app(as(cookie, 'GET', '/api/audit'))) as unknown as { entries: Array<{ action: string }> };
    expect(body.entries.map((e) => e.action)).to.deep.equal(['redrive', 'login']);
  });
});

describe('admin: publishing an episode', () => {
  let w: World;
  let cookie: string;
  const PUBLISHING = {
    mode: 'manual' as const,
    description: 'The week in tech',
    artwork_url: 'https://example.org/art.jpg',
    category: 'Technology',
    explicit: false,
    author: 'Telecast',
    owner_email: 'owner@example.org',
  };
  const EPISODE = '/api/podcasts/tech-pulse/episodes/20261129T070000123Z';

  /** A completed episode with its files in the bucket, as the generator leaves it. */
  async function completed() {
    const e = episode();
    const keys = { audio_key: `${e.s3_path}episode.mp3`, transcript_key: `${e.s3_path}transcript.txt`, vtt_key: `${e.s3_path}transcript.vtt` };
    await w.objects.putBytes(keys.audio_key, new Uint8Array(2048).fill(1), 'audio/mpeg');
    await w.objects.putText(keys.transcript_key, 'Alex: Hello\n', 'text/plain');
    await w.objects.putText(keys.vtt_key, 'WEBVTT\n', 'text/vtt');
    w.episodes.seed({ ...e, status: 'completed', ...keys, duration_seconds: 61 });
    return e;
  }

  beforeEach(async () => {
    w = await world();
    await w.podcasts.put(podcastConfig({ publishing: PUBLISHING }));
    cookie = await w.login();
  });

  it('the podcast answers with its feed: URL, mode and what it lacks ([] when publishable)', async () => {
    const ready = bodyOf(await w.app(as(cookie, 'GET', '/api/podcasts/tech-pulse'))) as unknown as { feed: unknown };
    expect(ready.feed).to.deep.equal({ podcast_id: 'tech-pulse', mode: 'manual', feed_url: `${PUBLIC_BASE_URL}/tech-pulse/feed.xml`, missing: [] });
    const put = await w.app(as(cookie, 'PUT', '/api/podcasts/tech-pulse', { ...podcastConfig(), publishing: { mode: 'auto' } }));
    const lacking = (bodyOf(put) as unknown as { feed: { mode: string; missing: string[] } }).feed;
    expect(lacking.mode).to.equal('auto');
    expect(lacking.missing.map((m) => m.split(':')[0])).to.deep.equal(['publishing.description', 'publishing.artwork_url', 'publishing.category', 'publishing.author', 'publishing.owner_email']);
  });

  it('publish answers 200 with the episode and its feed item, the episode view shows it, and the audit log records it', async () => {
    const e = await completed();
    const r = await w.app(as(cookie, 'POST', `${EPISODE}/publish`));
    expect(r.statusCode, r.body).to.equal(200);
    const published = bodyOf(r) as unknown as { status: string; publication: { audio_url: string; audio_bytes: number; published_at: string } };
    expect(published.status).to.equal('completed');
    expect(published.publication).to.include({ audio_url: `${PUBLIC_BASE_URL}/tech-pulse/episodes/${e.episode_id}/episode.mp3`, audio_bytes: 2048, published_at: w.clock.now().toISOString() });
    const view = bodyOf(await w.app(as(cookie, 'GET', EPISODE))) as unknown as { publication: unknown };
    expect(view.publication).to.deep.equal(published.publication);
    expect(w.objects.objects.get('public/tech-pulse/feed.xml')?.body).to.include(published.publication.audio_url);
    expect(w.audit.entries.at(-1)).to.deep.equal({ at: w.clock.now().toISOString(), actor: w.audit.entries.at(-1)!.actor, action: 'publish', target: `tech-pulse/${e.episode_id}`, outcome: 'ok' });
  });

  it('withdraw answers 200 with the episode out of the feed and when; the public copies are gone; withdrawing again is 409', async () => {
    const e = await completed();
    await w.app(as(cookie, 'POST', `${EPISODE}/publish`));
    w.clock.advance(60_000);
    const r = await w.app(as(cookie, 'POST', `${EPISODE}/withdraw`));
    expect(r.statusCode, r.body).to.equal(200);
    const withdrawn = bodyOf(r) as unknown as Record<string, unknown>;
    expect(withdrawn.publication).to.equal(undefined);
    expect(withdrawn.withdrawn_at).to.equal(w.clock.now().toISOString());
    expect((bodyOf(await w.app(as(cookie, 'GET', EPISODE))) as unknown as Record<string, unknown>).withdrawn_at).to.equal(w.clock.now().toISOString());
    expect([...w.objects.objects.keys()].filter((k) => k.startsWith(`public/tech-pulse/episodes/${e.episode_id}/`))).to.deep.equal([]);
    const again = await w.app(as(cookie, 'POST', `${EPISODE}/withdraw`));
    expect(again.statusCode).to.equal(409);
    expect(bodyOf(again).error).to.match(/is not published/);
    expect(w.audit.entries.filter((a) => a.action === 'withdraw').map((a) => a.outcome)).to.deep.equal(['ok', 'refused']);
  });

  it('publish of an episode that is not completed is 409 with its status; nothing is copied and the refusal is audited', async () => {
    w.episodes.seed(episode({ status: 'generating' }));
    const r = await w.app(as(cookie, 'POST', `${EPISODE}/publish`));
    expect(r.statusCode).to.equal(409);
    expect(bodyOf(r)).to.include({ status: 'generating' });
    expect(bodyOf(r).error).to.match(/is generating: only a completed episode can be published/);
    expect([...w.objects.objects.keys()].filter((k) => k.startsWith('public/'))).to.deep.equal([]);
    expect(w.audit.entries.at(-1)).to.include({ action: 'publish', outcome: 'refused' });
    expect(w.audit.entries.at(-1)!.detail).to.match(/only a completed episode/);
  });

  it('publish for a podcast missing directory fields is 400 naming each one as a field; nothing is published', async () => {
    await w.podcasts.put(podcastConfig({ publishing: { ...PUBLISHING, author: undefined, owner_email: undefined } }));
    await completed();
    const r = await w.app(as(cookie, 'POST', `${EPISODE}/publish`));
    expect(r.statusCode).to.equal(400);
    const body = bodyOf(r) as unknown as { field: string; violations: Array<{ field: string; message: string }> };
    expect(body.violations.map((v) => v.field)).to.deep.equal(['publishing.author', 'publishing.owner_email']);
    expect(body.field).to.equal('publishing.author');
    expect(body.violations[1]!.message).to.match(/ownership verification/);
    expect((await w.episodes.get({ podcastId: 'tech-pulse', episodeId: '20261129T070000123Z' }))!.publication).to.equal(undefined);
    expect(w.audit.entries.at(-1)).to.include({ action: 'publish', outcome: 'refused' });
  });

  it('publish or withdraw of an unknown episode is 404', async () => {
    for (const what of ['publish', 'withdraw']) {
      const r = await w.app(as(cookie, 'POST', `/api/podcasts/tech-pulse/episodes/20990101T000000000Z/${what}`));
      expect(r.statusCode, what).to.equal(404);
      expect(bodyOf(r).error).to.match(/unknown episode/);
    }
  });
});

describe('admin: the podcast form offers every engine', () => {
  /** The values of one `const NAME = [[value, label], …];` list of web/admin/app.js. */
  const choices = (source: string, name: string): string[] => {
    const block = new RegExp(`const ${name} = \\[([\\s\\S]*?)\\n\\];`).exec(source)?.[1];
    if (!block) throw new Error(`web/admin/app.js has no ${name}`);
    return [...block.matchAll(/^\s*\['([a-z]*)',/gm)].map((m) => m[1]!);
  };
  const source = readFileSync(new URL('../../web/admin/app.js', import.meta.url), 'utf8');

  it('lists exactly the script writers and voice engines the schema accepts (voice: the language default first)', () => {
    expect(choices(source, 'SCRIPT_WRITER_CHOICES')).to.deep.equal([...SCRIPT_WRITERS]);
    expect(choices(source, 'VOICE_ENGINE_CHOICES')).to.have.members(['', ...VOICE_ENGINES]);
    expect(choices(source, 'VOICE_ENGINE_CHOICES')[0]).to.equal('');
  });

  it("offers exactly Apple's categories and subcategories the schema accepts", () => {
    const block = /const APPLE_CATEGORIES = (\{[\s\S]*?\n\});/.exec(source)?.[1];
    if (!block) throw new Error('web/admin/app.js has no APPLE_CATEGORIES');
    expect(JSON.parse(block)).to.deep.equal(APPLE_CATEGORIES);
    expect(choices(source, 'PUBLISHING_MODE_CHOICES')).to.deep.equal(['manual', 'auto']);
  });
});
