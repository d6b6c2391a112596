// The admin page in headless Chromium against the local stack: the built admin bundle behind the local function URL,
// the real pipeline behind it. One operator session, in order: log in, create a podcast through the form, generate,
// watch it complete and play it; a failing episode, its reason and stage, and a retry after the cause is fixed; an
// episode failed at generating on a damaged script.json, retried with a new script. The completed episode is published
// once the podcast's Publishing fields are filled in through the form, its public MP3 fetched, then withdrawn.
// Every page is checked with axe-core and photographed (out/screenshots/). The operator's other tool, the CLI,
// imports the channels (as the README's steps do).
/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page, Request } from 'playwright-core';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { launchBrowser, screenshot, seriousViolations, type Browser } from '../helpers/browser.ts';
import { SAMPLE_CHANNEL, collectionRequestFor, repositories, sampleExport, showLogsOnFailure, telecastJson, tempDir, type Repositories } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

/** Text-to-speech of the sample takes ~15 s here: the processing message must not come back mid-run. */
const PROCESSING_VISIBILITY_SECONDS = 90;
const MISSING_CHANNEL = '@browser_missing';

describe('e2e: the admin page in Chromium', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  let base: string;
  let repos: Repositories;
  const files = tempDir();
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  /** The page of the episode Generate Episode Now completed (the publishing spec publishes it). */
  let completedPath = '';
  /** Imports a recent copy of the sample export as `channel`'s, through the CLI. */
  const importChannel = (channel: string) =>
    telecastJson(stack, ['channel', 'import', channel, files.write(`${channel.slice(1)}.json`, sampleExport(new Date(Date.now() - 10 * 60_000)))]);

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: PROCESSING_VISIBILITY_SECONDS }, adminPassword: 'browser-test-password' });
    base = stack.admin!.url;
    repos = repositories(stack);
    browser = await launchBrowser();
    page = browser.page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  /** Fails on any serious or critical axe-core violation, then photographs the page (desktop and 360 px). */
  async function check(name: string): Promise<void> {
    const violations = await seriousViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations)}`).to.deep.equal([]);
    await screenshot(page, name);
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 360, height: 780 });
    await screenshot(page, `${name}-360`);
    // Nothing may stick out sideways on a phone: the page scrolls only down.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} is wider than 360 px`).to.be.at.most(0);
    await page.setViewportSize(desktop);
  }

  /** Requests to one URL path from now on. */
  function countRequests(path: string): { count: () => number; stop: () => void } {
    let n = 0;
    const listener = (request: Request) => {
      if (new URL(request.url()).pathname === path) n++;
    };
    page.on('request', listener);
    return { count: () => n, stop: () => page.off('request', listener) };
  }

  it('a page without a session goes to the login; a wrong password says so; the right one opens the podcasts', async () => {
    await page.goto(`${base}/queues`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    await check('login');
    await page.fill('#password', 'not it');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error[role=alert]');
    await page.fill('#password', 'browser-test-password');
    await Promise.all([page.waitForURL(`${base}/queues`), page.click('button[type=submit]')]);
    // The Secure, HttpOnly cookie is kept over http://127.0.0.1: Chromium treats loopback as a secure context.
    const [cookie] = await browser.context.cookies(base);
    expect(cookie).to.include({ name: 'telecast_session', secure: true, httpOnly: true, sameSite: 'Strict' });
    await page.goto(base);
    await page.waitForSelector('h1:text("Podcasts")');
    await check('podcasts-empty');
  });

  it('creates a podcast through the form: a wrong field shows its error beside it first, and nothing is stored', async () => {
    await page.goto(`${base}/podcasts/new`);
    await page.waitForSelector('#f-podcast_id');
    await page.fill('#f-podcast_id', 'Browser Show!');
    await page.fill('#f-name', '<script>alert(1)</script>');
    await page.fill('#f-telegram_channels', SAMPLE_CHANNEL);
    await page.fill('#f-window_hours', '48');
    // An empty length says it follows the frequency; this podcast sets one.
    expect(await page.textContent('#f-target_minutes-hint')).to.match(/^Empty: from the episode frequency/);
    await page.fill('#f-target_minutes', '7');
    await page.click('main button[type=submit]');
    await page.waitForSelector('#f-podcast_id-error:not(:empty)');
    expect(await page.textContent('#f-podcast_id-error')).to.match(/must match pattern/);
    expect(await page.getAttribute('#f-podcast_id', 'aria-invalid')).to.equal('true');
    expect((await repos.podcasts.list()).podcasts).to.have.length(0);
    await check('podcast-new-errors');

    await page.fill('#f-podcast_id', 'browser-show');
    await Promise.all([page.waitForURL(`${base}/podcasts/browser-show`), page.click('main button[type=submit]')]);
    await page.waitForSelector('#generate');
    // The name a podcast supplies is text on the page, never markup.
    expect(await page.textContent('h1')).to.equal('<script>alert(1)</script>');
    expect(await page.locator('main script').count()).to.equal(0);
    expect(await page.inputValue('#f-target_minutes')).to.equal('7');
    expect(await page.textContent('#f-target_minutes-hint')).to.equal('Empty: from the episode frequency (an episode every 24 hours): it would be 10 minutes.');
  });

  it('Generate Episode Now runs the episode through every stage to completed; it plays, its transcript and timeline show, polling stops', async () => {
    await importChannel(SAMPLE_CHANNEL);
    await page.goto(`${base}/podcasts/browser-show`);
    await check('podcast');
    await Promise.all([page.waitForURL(/\/podcasts\/browser-show\/episodes\/\d{8}T\d{9}Z$/), page.click('#generate')]);
    const episodePath = new URL(page.url()).pathname;
    completedPath = episodePath;
    const statusPath = `/api${episodePath}`;

    // Meanwhile, in another tab: the podcast refuses a second one, says why and links the one in flight.
    const other = await browser.context.newPage();
    await other.goto(`${base}/podcasts/browser-show`);
    await other.waitForSelector('#generate');
    expect(await other.isDisabled('#generate')).to.equal(true);
    expect(await other.textContent('#generate-note')).to.match(/is (pending|collecting|collected|generating): one episode at a time/);
    expect(await other.getAttribute(`main a[href="${episodePath}"]`, 'href')).to.equal(episodePath);
    await other.close();

    const seen = new Set<string>();
    const started = Date.now();
    while (Date.now() - started < 120_000) {
      const status = await page.textContent('#status .badge').catch(() => null);
      if (status) seen.add(status);
      if (status === 'completed' || status === 'failed') break;
      await page.waitForTimeout(250);
    }
    expect(await page.textContent('#status .badge'), stack.dumpLogs().slice(-3000)).to.equal('completed');
    expect(seen.size, `statuses seen: ${[...seen].join(', ')}`).to.be.greaterThan(1);

    const polls = countRequests(statusPath);
    const duration = await page.waitForFunction(() => {
      const audio = document.querySelector<HTMLAudioElement>('#player');
      return audio && Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : false;
    }, undefined, { timeout: 20_000 });
    expect(await duration.jsonValue()).to.be.greaterThan(5);
    await page.waitForFunction(() => !document.querySelector('#transcript')?.textContent?.startsWith('Loading'));
    expect(await page.textContent('#transcript')).to.match(/Alex:|Dana:|Host|:/);
    const statuses = await page.locator('table').first().locator('tbody tr td:first-child').allTextContents();
    expect(statuses).to.deep.equal(['pending', 'collecting', 'collected', 'generating', 'completed']);
    const messageIds = await page.locator('table').first().locator('tbody tr td:nth-child(6)').allTextContents();
    expect(messageIds.filter(Boolean).length, 'the hand-offs name their SQS messages').to.be.at.least(3);
    await page.waitForTimeout(3000);
    expect(polls.count(), 'no status request after completed').to.equal(0);
    polls.stop();
    // How the script was written: its length against the podcast's 7 minutes.
    expect(await page.textContent('#generation')).to.match(/\d+ words, about [\d.]+ min for a target of 7 min/).and.include('Promotional posts dropped');
    expect(cspViolations).to.deep.equal([]);
    await check('episode-completed');
  });

  it('a completed episode is published from its page once the podcast has its directory fields, its MP3 is public, and Withdraw takes it out', async () => {
    expect(completedPath, 'the generate spec ran').to.not.equal('');
    // The form's podcast lacks what directories require: Publish is disabled and the page says what to set.
    await page.goto(`${base}${completedPath}`);
    await page.waitForSelector('#publish[disabled]');
    const missing = (await page.textContent('#publish-missing'))!;
    for (const field of ['publishing.description', 'publishing.artwork_url', 'publishing.category', 'publishing.author', 'publishing.owner_email']) expect(missing).to.include(field);
    await check('episode-not-publishable');

    // The Publishing fieldset of the podcast's form: a bad e-mail is named beside its field first.
    await page.goto(`${base}/podcasts/browser-show`);
    await page.waitForSelector('#feed-missing');
    expect(await page.getAttribute('#feed-url', 'href')).to.equal(`${stack.publicUrl}/browser-show/feed.xml`);
    await page.fill('#f-publishing-description', 'Posts of the sample channel, read by two hosts.');
    await page.fill('#f-publishing-artwork_url', 'https://example.org/artwork.jpg');
    await page.selectOption('#f-publishing-category', 'News');
    // The subcategory offers the chosen category's own.
    expect(await page.locator('#f-publishing-subcategory option').allTextContents()).to.include('Tech News').and.not.include('Fitness');
    await page.selectOption('#f-publishing-subcategory', 'Tech News');
    await page.fill('#f-publishing-author', 'Telecast browser test');
    await page.fill('#f-publishing-owner_email', 'not an address');
    await page.click('main form.config button[type=submit]');
    await page.waitForSelector('#f-publishing-owner_email-error:not(:empty)');
    expect(await page.getAttribute('#f-publishing-owner_email', 'aria-invalid')).to.equal('true');
    await check('podcast-publishing-errors');
    await page.fill('#f-publishing-owner_email', 'owner@example.org');
    await Promise.all([page.waitForEvent('load'), page.click('main form.config button[type=submit]')]);
    await page.waitForSelector('#feed-url');
    expect(await page.locator('#feed-missing').count()).to.equal(0);
    const stored = await repos.podcasts.get('browser-show');
    expect(stored?.publishing).to.deep.include({ mode: 'manual', category: 'News', subcategory: 'Tech News', owner_email: 'owner@example.org', explicit: false });

    // Publish: the feed item's public audio URL shows, and it serves the MP3.
    await page.goto(`${base}${completedPath}`);
    await page.waitForSelector('#publish:not([disabled])');
    await page.click('#publish');
    await page.waitForSelector('#published-audio');
    const audioUrl = (await page.getAttribute('#published-audio', 'href'))!;
    expect(audioUrl).to.match(new RegExp(`^${stack.publicUrl}/browser-show/episodes/\\d{8}T\\d{9}Z/episode\\.mp3$`));
    expect(await page.textContent('#published-audio')).to.equal(audioUrl);
    expect(await page.textContent('#published-at')).to.match(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    const mp3 = await fetch(audioUrl);
    expect(mp3.status).to.equal(200);
    expect(mp3.headers.get('content-type')).to.match(/^audio\/mpeg/);
    expect((await mp3.arrayBuffer()).byteLength).to.be.greaterThan(1000);
    expect(await (await fetch(`${stack.publicUrl}/browser-show/feed.xml`)).text()).to.include(audioUrl);
    await check('episode-published');

    // Withdraw asks first; a dismissed question changes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click('#withdraw');
    await page.waitForTimeout(300);
    expect(await page.locator('#published-audio').count()).to.equal(1);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#withdraw');
    await page.waitForSelector('#withdrawn');
    expect(await page.textContent('#withdrawn')).to.match(/^Withdrawn from the feed \d{4}-\d{2}-\d{2} /);
    expect(await page.isDisabled('#publish')).to.equal(false);
    expect((await fetch(audioUrl)).status).to.equal(404);
    expect(await (await fetch(`${stack.publicUrl}/browser-show/feed.xml`)).text()).not.to.include(audioUrl);
    await check('episode-withdrawn');
  });

  it('a failing episode shows failed with its reason and stage, stops polling, and Retry after the fix completes it', async () => {
    const podcast = files.write('missing-channel.json', {
      podcast_id: 'missing-channel',
      name: 'Missing Channel',
      telegram_channels: [MISSING_CHANNEL],
      // Read from its export, which is not uploaded yet: the episode fails at once, naming it.
      channel_sources: { [MISSING_CHANNEL]: 'export' },
      window_hours: 48,
    });
    await telecastJson(stack, ['podcast', 'put', podcast]);
    await page.goto(`${base}/podcasts/missing-channel`);
    await page.waitForSelector('#generate:not([disabled])');
    // Set-up in any order: the page says which channel the schedule is waiting for, and why.
    expect(await page.textContent('#unreadable')).to.include('@browser_missing cannot be read from its export');
    await Promise.all([page.waitForURL(/\/episodes\//), page.click('#generate')]);
    const statusPath = `/api${new URL(page.url()).pathname}`;
    await page.waitForSelector('#failure', { timeout: 60_000 });
    expect(await page.textContent('#status .badge')).to.equal('failed');
    const failure = (await page.textContent('#failure'))!;
    expect(failure.includes('Failed at collecting: ') && failure.includes('browser_missing'), failure).to.equal(true);
    const polls = countRequests(statusPath);
    await page.waitForTimeout(3000);
    expect(polls.count(), 'no status request after failed').to.equal(0);
    polls.stop();
    await check('episode-failed');

    // Fix the cause: the channel's export arrives. Retry moves this episode's dead letter back.
    await importChannel(MISSING_CHANNEL);
    await Promise.all([page.waitForEvent('load'), page.click('#retry')]);
    await page.waitForFunction(() => document.querySelector('#status .badge')?.textContent === 'completed', undefined, { timeout: 120_000 });
    const statuses = await page.locator('table').first().locator('tbody tr td:first-child').allTextContents();
    expect(statuses).to.include.members(['failed', 'collecting', 'completed']);
  });

  it('an episode failed at generating offers Retry with a new script, which writes script.json anew and completes it', async () => {
    const channel = '@browser_script';
    await telecastJson(stack, ['podcast', 'put', files.write('script-show.json', { podcast_id: 'script-show', name: 'Script Show', telegram_channels: [channel], window_hours: 48 })]);
    await importChannel(channel);
    // A script.json no generator could speak, left under the episode before it is generated: it fails at generating.
    const episode = newEpisode({ podcast_id: 'script-show' }, 'manual', new Date());
    await repos.episodes.create(episode);
    await repos.objects.putJson(`${episode.s3_path}script.json`, { title: 'half a script' });
    await stack.send('collection', collectionRequestFor(episode));

    await page.goto(`${base}/podcasts/script-show/episodes/${episode.episode_id}`);
    await page.waitForSelector('#failure', { timeout: 60_000 });
    expect(await page.textContent('#failure')).to.include('Failed at generating: ').and.include('script.json is not a script');
    expect(await page.textContent('#retry-new-script')).to.equal('Retry with a new script');
    await check('episode-failed-generating');

    await Promise.all([page.waitForEvent('load'), page.click('#retry-new-script')]);
    await page.waitForFunction(() => document.querySelector('#status .badge')?.textContent === 'completed', undefined, { timeout: 120_000 });
    const tries = await page.locator('table').first().locator('tbody tr td:nth-child(5)').allTextContents();
    expect(tries.filter((t) => t.includes('new script asked for')), 'the retried try says a new script was asked for').to.have.length(1);
    const script = (await repos.objects.getJson(`${episode.s3_path}script.json`)) as { turns?: unknown[]; generation?: { written_at?: string } };
    expect(script.turns).to.be.an('array').that.is.not.empty;
    expect(script.generation?.written_at).to.be.a('string');
  });

  it('the queues, search and audit pages show the figures, the episodes and every action taken', async () => {
    await page.goto(`${base}/queues`);
    await page.waitForSelector('#redrive-processing');
    await page.click('#redrive-processing');
    await page.waitForSelector('text=nothing to redrive');
    await check('queues');

    await page.goto(`${base}/search?status=completed`);
    await page.waitForSelector('h2:text-matches("episode\\\\(s\\\\)")');
    expect(await page.locator('tbody tr').count()).to.be.at.least(2);
    await check('search');

    await page.goto(`${base}/audit`);
    await page.waitForSelector('tbody tr');
    const actions = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions).to.include.members(['login', 'config-change', 'generate', 'publish', 'withdraw', 'retry', 'redrive']);
    await check('audit');

    await page.goto(base);
    await page.waitForSelector('tbody tr');
    await check('podcasts');
    expect(cspViolations).to.deep.equal([]);
    expect(pageErrors).to.deep.equal([]);
  });
});
