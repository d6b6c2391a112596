/**
 * The podcastfy stage: claim the episode, load content.json, write the script, synthesise and store the audio and
 * transcripts, mark `completed`. A completed episode is acknowledged with no work; a duplicate delivery while another
 * holds the claim is acknowledged too (the holder's own message stays responsible for it).
 */
import { parseEpisodeContent, type PodcastConfig, type ProcessingMessage } from '../contracts.ts';
import { canApply, type Episode } from '../episodes/status.ts';
import { ConflictError, NotFoundError, NotReadyError, ValidationError } from '../errors.ts';
import type { AudioStore, Clock, EngineRegistry, EpisodeKey, EpisodeRepository, ObjectStore, PodcastRepository, SpeechSynthesizer } from '../ports.ts';
import { reclaimInFlightPlace } from '../episodes/start-episode.ts';
import { episodeKey } from '../keys.ts';
import { renderEpisodeAudio, type RenderedAudio } from './render-audio.ts';
import type { Script } from './script.ts';
import { toTranscriptText, toWebVtt } from './transcript.ts';

export interface GeneratorDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  objects: ObjectStore;
  /** The script writer and voice engine each podcast names. */
  engines: EngineRegistry;
  /** Where the episode's audio is encoded and kept. */
  audio: AudioStore;
  clock: Clock;
}

export type GenerationResult =
  | { outcome: 'completed'; episode: Episode }
  | { outcome: 'already-done' | 'in-progress'; episode: Episode };

export async function generateEpisode(deps: GeneratorDeps, message: ProcessingMessage, leaseSeconds: number): Promise<GenerationResult> {
  if (message.podcast_config_id !== message.podcast_id) {
    throw new ValidationError('processing message names two podcasts', [
      `podcast_config_id "${message.podcast_config_id}" differs from podcast_id "${message.podcast_id}"`,
    ]);
  }
  const key = { podcastId: message.podcast_id, episodeId: message.episode_id };
  const podcast = await deps.podcasts.get(message.podcast_id);
  if (!podcast) throw new NotFoundError(`unknown podcast "${message.podcast_id}"`);
  const current = await deps.episodes.get(key);
  if (!current) throw new NotFoundError(`unknown episode ${message.podcast_id}/${message.episode_id}`);
  if (current.s3_path !== message.s3_path) {
    throw new ValidationError('processing message disagrees with the episode', [`s3_path "${message.s3_path}" is not "${current.s3_path}"`]);
  }

  const now = deps.clock.now();
  if (!canApply('claimGeneration', current, now)) {
    if (current.status === 'completed' || current.status === 'skipped') return { outcome: 'already-done', episode: current };
    if (current.status === 'generating') return { outcome: 'in-progress', episode: current };
    if (current.status === 'pending' || current.status === 'collecting') {
      throw new NotReadyError(`episode is still ${current.status}; content is not collected yet`);
    }
    throw new ConflictError(`episode failed at stage ${current.failed_stage ?? 'unknown'}; redrive that stage's message instead`, current.status);
  }
  await reclaimInFlightPlace(deps.episodes, current, now);
  return { outcome: 'completed', episode: await runGeneration(deps, podcast, key, leaseSeconds) };
}

/** Claims and generates; shared by the SQS path and the direct invocation path. */
export async function runGeneration(deps: GeneratorDeps, podcast: PodcastConfig, key: EpisodeKey, leaseSeconds: number): Promise<Episode> {
  let now = deps.clock.now();
  try {
    await deps.episodes.apply(
      'claimGeneration',
      key,
      { lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000).toISOString() },
      now,
    );
  } catch (error) {
    if (error instanceof ConflictError) throw new NotReadyError(error.message, error);
    throw error;
  }

  const contentKey = episodeKey(key.podcastId, key.episodeId, 'content');
  let stored: unknown;
  try {
    stored = await deps.objects.getJson(contentKey);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`content.json is missing at ${contentKey}`, error);
    throw error;
  }
  // Validated like every other hand-off (handoff.ts): a damaged file names its field, a misplaced one its owner.
  const content = parseEpisodeContent(stored);
  if (content.podcast_id !== key.podcastId || content.episode_id !== key.episodeId) {
    throw new ValidationError(`content.json at ${contentKey} belongs to another episode`, [
      `it names ${content.podcast_id}/${content.episode_id}, not ${key.podcastId}/${key.episodeId}`,
    ]);
  }

  const script = await deps.engines.writerFor(podcast).write(podcast, content);
  const files = {
    script_key: episodeKey(key.podcastId, key.episodeId, 'script'),
    audio_key: episodeKey(key.podcastId, key.episodeId, 'audio'),
    transcript_key: episodeKey(key.podcastId, key.episodeId, 'transcript'),
    vtt_key: episodeKey(key.podcastId, key.episodeId, 'vtt'),
  };
  await deps.objects.putJson(files.script_key, script);
  const { durationSeconds, cues } = await renderAndStore(deps.audio, files.audio_key, script, deps.engines.synthesizerFor(podcast));
  await deps.objects.putText(files.transcript_key, toTranscriptText(script, cues), 'text/plain');
  await deps.objects.putText(files.vtt_key, toWebVtt(cues), 'text/vtt');

  now = deps.clock.now();
  return deps.episodes.apply(
    'markCompleted',
    key,
    { ...files, duration_seconds: Math.round(durationSeconds * 1000) / 1000, completed_at: now.toISOString() },
    now,
  );
}

/** Speaks the script into the audio store: stored whole when every turn rendered, discarded when anything failed. */
async function renderAndStore(store: AudioStore, key: string, script: Script, synthesizer: SpeechSynthesizer): Promise<RenderedAudio> {
  const audio = await store.open(key);
  try {
    const rendered = await renderEpisodeAudio(script, { synthesizer, encoder: audio });
    await audio.finish();
    return rendered;
  } catch (error) {
    await audio.discard();
    throw error;
  }
}
