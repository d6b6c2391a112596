// End to end: the podcastfy bundle as Lambda gets it (dist/podcastfy/: index.mjs, the wasm files beside it from
// terraform/functions.json's `assets`, and flite-worker.mjs and mp3-thread.mjs from its `workers`), copied out of the
// repository so nothing can be found in node_modules or run through tsx, imported as an ES module by the local stack's
// Lambda runner, speaks an episode with each offline voice engine: Flite in a child process started from the worker
// beside the bundle, the MP3 encoded on a worker thread started from mp3-thread.mjs.
import { expect } from 'chai';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFunctionManifest } from '../../src/local/functions.ts';
import { loadQueueSettings } from '../../src/local/queue-settings.ts';
import { REPO_ROOT } from '../../src/local/stack.ts';
import { repositories, samplePodcast, showLogsOnFailure } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

describe('e2e: the podcastfy bundle on its own, outside the repository', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'telecast-podcastfy-bundle-'));
    cpSync(join(REPO_ROOT, 'dist/podcastfy'), dir, { recursive: true });
    stack = await startTestStack({ consumers: false, functions: { podcastfy: { modulePath: join(dir, 'index.mjs') } } });
    const repos = repositories(stack);
    // The sample names Flite's voices (it is an English podcast naming no engine: Flite); an espeak show takes espeak's.
    const speakers = { person1: { name: 'Alex', role: 'host' }, person2: { name: 'Dana', role: 'guest' } };
    await repos.podcasts.put(samplePodcast({ podcast_id: 'espeak-show', voice_engine: 'espeak', speakers }));
    const flite = samplePodcast({ podcast_id: 'flite-show' });
    expect(flite.voice_engine).to.equal('flite');
    await repos.podcasts.put(flite);
  });
  after(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  showLogsOnFailure(() => stack);

  it('ships index.mjs with exactly the assets and workers the manifest names beside it', () => {
    const { assets, workers = [] } = loadFunctionManifest(loadQueueSettings()).podcastfy;
    const files = [...assets.map((path) => path.split('/').pop()!), ...workers.map((path) => path.split('/').pop()!.replace(/\.ts$/, '.mjs'))];
    expect(readdirSync(dir).sort()).to.deep.equal(['index.mjs', ...files].sort());
    expect(files).to.include.members(['espeak-ng.wasm', 'flite.wasm', 'flite-worker.mjs', 'mp3-thread.mjs']);
  });

  for (const engine of ['espeak', 'flite'] as const) {
    it(`imports as an ES module and speaks a ${engine} podcast's episode with the wasm beside it`, async () => {
      const text = 'The city council approved a new bike lane network. Construction starts in spring.';
      const result = (await stack.invoke('podcastfy', { podcast_id: `${engine}-show`, text })) as Record<string, unknown>;
      expect(result).to.include({ podcast_id: `${engine}-show`, status: 'completed' });
      expect(result.duration_seconds).to.be.a('number').above(3);
    });
  }
});
