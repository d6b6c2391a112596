import { expect } from 'chai';
import { canApply, stageOf, TRANSITIONS, EPISODE_STATUSES, type EpisodeStatus } from '../../src/core/episodes/status.ts';
import { normaliseChannel } from '../../src/core/channels.ts';
import { episodePrefix } from '../../src/core/keys.ts';
import { compactTimestamp, episodeIdFor, parseCompactTimestamp } from '../../src/core/time.ts';

const now = new Date('2026-11-29T08:00:00.000Z');
const past = '2026-11-29T07:59:00.000Z';
const future = '2026-11-29T08:01:00.000Z';

describe('episode status machine', () => {
  it('moves forward along pending → collecting → collected → generating → completed', () => {
    expect(canApply('claimCollection', { status: 'pending' }, now)).to.equal(true);
    expect(canApply('markCollected', { status: 'collecting' }, now)).to.equal(true);
    expect(canApply('claimGeneration', { status: 'collected' }, now)).to.equal(true);
    expect(canApply('markCompleted', { status: 'generating' }, now)).to.equal(true);
  });

  it('never regenerates a completed episode and never re-collects a collected one', () => {
    expect(canApply('claimGeneration', { status: 'completed' }, now)).to.equal(false);
    expect(canApply('claimCollection', { status: 'collected' }, now)).to.equal(false);
    expect(canApply('claimCollection', { status: 'completed' }, now)).to.equal(false);
    expect(canApply('markFailed', { status: 'completed' }, now)).to.equal(false);
  });

  it('lets a redelivery take over a claim only after its lease expired', () => {
    expect(canApply('claimGeneration', { status: 'generating', lease_expires_at: future }, now)).to.equal(false);
    expect(canApply('claimGeneration', { status: 'generating', lease_expires_at: past }, now)).to.equal(true);
    expect(canApply('claimCollection', { status: 'collecting', lease_expires_at: future }, now)).to.equal(false);
  });

  it("retries a failed episode only at the stage that failed (an operator's redrive)", () => {
    expect(canApply('claimGeneration', { status: 'failed', failed_stage: 'generating' }, now)).to.equal(true);
    expect(canApply('claimGeneration', { status: 'failed', failed_stage: 'collecting' }, now)).to.equal(false);
    expect(canApply('claimCollection', { status: 'failed', failed_stage: 'collecting' }, now)).to.equal(true);
    expect(canApply('claimCollection', { status: 'failed', failed_stage: 'queued' }, now)).to.equal(true);
    expect(canApply('claimCollection', { status: 'failed', failed_stage: 'generating' }, now)).to.equal(false);
  });

  it('skips only from collecting', () => {
    const allowed = EPISODE_STATUSES.filter((s) => canApply('markSkipped', { status: s }, now));
    expect(allowed).to.deep.equal(['collecting']);
  });

  it('never leaves a terminal state except by a claim of the failed stage', () => {
    for (const [name, t] of Object.entries(TRANSITIONS)) {
      const from = t.from as readonly EpisodeStatus[];
      expect(from, name).to.not.include('completed');
      expect(from, name).to.not.include('skipped');
    }
  });

  it('reports the stage an episode failed in from its status', () => {
    expect(stageOf('pending')).to.equal('queued');
    expect(stageOf('collecting')).to.equal('collecting');
    expect(stageOf('collected')).to.equal('generating');
    expect(stageOf('generating')).to.equal('generating');
  });
});

describe('episode identity', () => {
  it('derives the id and folder from the creation time', () => {
    const created = new Date('2026-11-29T07:00:00.123Z');
    expect(compactTimestamp(created)).to.equal('20261129T070000123Z');
    expect(episodeIdFor(created)).to.equal('20261129T070000123Z');
    expect(episodePrefix('tech-pulse', episodeIdFor(created))).to.equal('podcasts/tech-pulse/20261129T070000123Z/');
  });

  it('parses a compact timestamp back, and rejects impossible ones', () => {
    expect(parseCompactTimestamp('20261129T070000123Z')?.toISOString()).to.equal('2026-11-29T07:00:00.123Z');
    expect(parseCompactTimestamp('20261331T070000123Z')).to.equal(undefined);
    expect(parseCompactTimestamp('2026-11-29')).to.equal(undefined);
  });

  it('normalises the ways a channel is written', () => {
    for (const c of ['@Telecast_Sample', 'https://t.me/telecast_sample', 'telecast_sample']) {
      expect(normaliseChannel(c)).to.equal('telecast_sample');
    }
  });
});
