/**
 * Telecast's own CloudWatch metrics, written by Powertools Metrics in the embedded metric format (one JSON line on
 * stdout per flush, which CloudWatch Logs turns into metrics: no PutMetricData call, no extra permission). The names,
 * units and dimensions are terraform/metrics.json's (the dashboard and the alarms read the same file); a name or a
 * dimension value not listed there is refused here, so a typo cannot create a metric nobody watches.
 *
 * Episode outcomes follow the status machine itself: `observingTransitions` wraps the episode repository, and every
 * transition applied through it is counted (a first collection claim is an episode started, markCompleted an episode
 * completed with its audio seconds, tokens and latency, markFailed an episode failed at its stage…). The consumer adds
 * the stage's duration for a delivery that settled its stage, and dead-lettered records by reason class; the handlers
 * add what only they know (posts read and kept, TTS characters); the scheduler its two stalled-pipeline gauges.
 *
 * Dimensions stay few: `service` (Powertools adds it: POWERTOOLS_SERVICE_NAME), `stage`, and `reason` for dead
 * letters. Podcast and episode ids are metadata (searchable in Logs Insights), never dimensions.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import catalogue from '../../../terraform/metrics.json' with { type: 'json' };
import type { Episode } from '../../core/episodes/status.ts';
import type { EpisodeRepository } from '../../core/ports.ts';

export type MetricName = keyof typeof catalogue.metrics;
export type Stage = 'queued' | 'collecting' | 'generating';

export const METRICS_NAMESPACE = catalogue.namespace;

interface MetricSpec {
  unit: string;
  dimensions: Record<string, string[]>;
}
const SPECS = catalogue.metrics as Record<MetricName, MetricSpec>;

const UNITS: Record<string, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  Seconds: MetricUnit.Seconds,
  None: MetricUnit.NoUnit,
};

/** The reason classes DeadLettered takes: an error class it lists, else `Error`. */
export function deadLetterReason(error: unknown, exhausted: boolean): string {
  if (exhausted) return 'RetriesExhausted';
  const name = (error as Error | undefined)?.name ?? 'Error';
  return SPECS.DeadLettered.dimensions.reason!.includes(name) ? name : 'Error';
}

function serviceName(): string {
  return process.env.POWERTOOLS_SERVICE_NAME || catalogue.service;
}

/** Checks a metric against the catalogue: its dimensions are exactly those listed, with values listed. */
function checked(name: MetricName, dimensions: Record<string, string>): MetricSpec {
  const spec = SPECS[name];
  if (!spec) throw new Error(`metric ${name} is not in terraform/metrics.json`);
  const expected = Object.keys(spec.dimensions).sort().join(',');
  const given = Object.keys(dimensions).sort().join(',');
  if (expected !== given) throw new Error(`metric ${name} takes dimensions [${expected}], not [${given}]`);
  for (const [key, value] of Object.entries(dimensions)) {
    if (!spec.dimensions[key]!.includes(value)) throw new Error(`metric ${name}: ${key} "${value}" is not one of ${spec.dimensions[key]!.join(', ')}`);
  }
  return spec;
}

/**
 * The metrics of one unit of work (an SQS record, a scheduler tick), buffered and written by `publish` as one EMF line
 * per set of dimensions. Never throws for a metric's sake once checked: a metrics failure must not fail an episode.
 */
export class MetricsBatch {
  private readonly sets = new Map<string, Metrics>();
  private readonly metadata: Record<string, string> = {};
  private readonly names = new Set<MetricName>();

  /** Adds one value; dimensions besides `service` as the catalogue lists them for the metric. */
  add(name: MetricName, value: number, dimensions: Record<string, string> = {}): this {
    const spec = checked(name, dimensions);
    if (!Number.isFinite(value)) return this;
    this.names.add(name);
    const key = JSON.stringify(Object.entries(dimensions).sort());
    let set = this.sets.get(key);
    if (!set) {
      set = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: serviceName(), defaultDimensions: dimensions });
      this.sets.set(key, set);
    }
    set.addMetric(name, UNITS[spec.unit] ?? MetricUnit.NoUnit, value);
    return this;
  }

  /** High-cardinality context (podcast and episode ids): in the EMF line for Logs Insights, not a dimension. */
  describe(fields: Record<string, string | undefined>): this {
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) this.metadata[key] = value;
    return this;
  }

  /** Whether anything was added with this name (the consumer's "did this delivery settle its stage"). */
  has(name: MetricName): boolean {
    return this.names.has(name);
  }

  /** Writes every set and empties the batch. */
  publish(): void {
    for (const set of this.sets.values()) {
      for (const [key, value] of Object.entries(this.metadata)) set.addMetadata(key, value);
      set.publishStoredMetrics();
    }
    this.sets.clear();
    this.names.clear();
  }

}

export function metricsBatch(): MetricsBatch {
  return new MetricsBatch();
}

/** What a transition says about the episode's progress, as metrics. */
export function transitionMetrics(batch: MetricsBatch, transition: string, episode: Episode): void {
  switch (transition) {
    case 'claimCollection':
      // The first claim of the episode's collection: it has started (any trigger; a retry is not a new start).
      if (episode.collection_attempts === 1) batch.add('EpisodesStarted', 1, { stage: 'collecting' });
      break;
    case 'markCollected':
      batch.add('EpisodesCollected', 1, { stage: 'collecting' });
      break;
    case 'markSkipped':
      batch.add('EpisodesSkipped', 1, { stage: 'collecting' });
      break;
    case 'markCompleted': {
      const stage = { stage: 'generating' };
      batch.add('EpisodesCompleted', 1, stage);
      if (episode.duration_seconds !== undefined) batch.add('AudioSeconds', episode.duration_seconds, stage);
      const usage = episode.generation?.usage;
      batch.add('LlmInputTokens', usage?.input_tokens ?? 0, stage).add('LlmOutputTokens', usage?.output_tokens ?? 0, stage);
      const latency = (Date.parse(episode.completed_at ?? episode.updated_at) - Date.parse(episode.created_at)) / 1000;
      if (latency >= 0) batch.add('EpisodeLatency', latency, stage);
      break;
    }
    case 'markFailed':
      batch.add('EpisodesFailed', 1, { stage: episode.failed_stage ?? 'queued' });
      break;
  }
}

/**
 * `episodes`, counting into `batch` every transition applied through it (see transitionMetrics). With `describe` (one
 * episode's batch: an SQS record) the episode's ids go into the batch's metadata.
 */
export function observingTransitions(episodes: EpisodeRepository, batch: MetricsBatch, describe = true): EpisodeRepository {
  return new Proxy(episodes, {
    get(target, property) {
      if (property === 'apply') {
        return (async (name, key, changes, now, guard) => {
          const episode = await target.apply(name, key, changes, now, guard);
          transitionMetrics(batch, name, episode);
          if (describe) batch.describe({ podcast_id: episode.podcast_id, episode_id: episode.episode_id });
          return episode;
        }) satisfies EpisodeRepository['apply'];
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let coldStartSeen = false;

/** Powertools' ColdStart metric, once per execution environment, with the function's name. */
export function recordColdStart(functionName: string | undefined): void {
  if (coldStartSeen) return;
  coldStartSeen = true;
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: serviceName() });
  metrics.captureColdStartMetric(functionName);
}
