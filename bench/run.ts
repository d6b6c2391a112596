/** `make bench`: every benchmark, figures printed. Not tests: nothing here passes or fails a build. */
import { benchColdStart } from './cold-start.ts';

console.log(`Telecast benchmarks on ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);

console.log('Cold start (median of whole-process runs)');
console.table(await benchColdStart());

const { benchGeneration } = await import('./generation.ts');
console.log('\nOffline generation (espeak-ng wasm or Flite + LAME wasm MP3)');
console.table(await benchGeneration());

const { benchLengthOffline } = await import('./length-offline.ts');
console.log('\nEpisode length, offline writer with espeak-ng: duration against target (±15 %), and espeak-ng words per minute');
console.table(await benchLengthOffline());

const { benchSynthesis } = await import('./synthesis.ts');
console.log('\nBounded-parallel synthesis: 40 turns against a fake voice with a fixed 300 ms latency');
console.table(await benchSynthesis());

const { benchIntelligibility } = await import('./intelligibility.ts');
console.log('\nIntelligibility: pocketsphinx (en-us) word error rate on bench/intelligibility-passage.txt per offline voice (goal ≤ 0.5)');
const intelligibility = await benchIntelligibility();
if (typeof intelligibility === 'string') console.log(intelligibility);
else console.table(intelligibility);

const { benchThroughput } = await import('./throughput.ts');
console.log('\nPipeline throughput on the local stack (no-op generator) beside the raw emulator');
console.table(await benchThroughput());

const { benchAdmin } = await import('./admin.ts');
console.log('\nAdmin page in headless Chromium on the local stack (page weight with an empty cache; click to first status)');
console.table(await benchAdmin());

const { benchExport } = await import('./export.ts');
console.log('\nTelegram Desktop export: import and read in a child process (peak memory should not grow with the export)');
console.table(await benchExport());

const { benchWebPreview } = await import('./web-preview.ts');
console.log('\nWeb preview reader: parsing recorded t.me/s pages and a generated large one; the bundle it adds');
console.table(await benchWebPreview());

const { benchLength } = await import('./length.ts');
console.log('\nScript length against target (estimated minutes; goal within ±15 %, never above; model rows use a deterministic fake model)');
console.table(await benchLength());
