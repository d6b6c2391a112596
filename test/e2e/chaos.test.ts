/**
 * The chaos run in `make test`: the built functions on the local stack with a network that loses responses, resets
 * connections, delays, answers 500s and crashes a function mid-way, with racing triggers, poison and a channel that never
 * answers. `make chaos` runs a larger one and prints its figures. The checks themselves are in src/local/chaos.ts.
 */
import { expect } from 'chai';
import { runChaos, type ChaosReport } from '../../src/local/chaos.ts';

describe('e2e: chaos on the local stack', function () {
  this.timeout(1_200_000);
  let report: ChaosReport;
  before(async () => {
    report = await runChaos({ podcasts: 2, rate: 0.1, seed: 7, poison: 1, timeoutSeconds: 420 }); // per round
  });

  it('keeps every promise: episodes settled with reasons, one in flight, posts once, MP3s once, poison and only poison dead-lettered', () => {
    expect(report.violations, report.violations.join('\n')).to.deep.equal([]);
  });

  it('really ran under faults: lost responses, resets and both crashes were injected', () => {
    const injected = (fragment: string) => Object.entries(report.faults).filter(([rule]) => rule.includes(fragment)).reduce((n, [, c]) => n + c, 0);
    expect(injected('response lost'), JSON.stringify(report.faults)).to.be.greaterThan(0);
    expect(injected('crash after storing content.json')).to.equal(1);
    expect(injected('crash after storing the MP3')).to.equal(1);
  });

  it('completed an episode per readable podcast per round, refused the racing triggers, and failed the unreachable one', () => {
    expect(report.episodes.completed).to.equal(4);
    expect(report.episodes.failed).to.equal(1);
    expect(report.maxInFlight).to.equal(1);
    expect(report.triggers.refused).to.be.greaterThan(0);
  });
});
