/**
 * The podcastfy stage: claim the episode, load content.json, write the script, synthesise and store the audio and
 * transcripts, mark `completed`. A completed episode is acknowledged with no work; a duplicate delivery while another
 * holds the claim is acknowledged too (the holder's own message stays responsible for it).
 *
 * Resume: the script is written once per episode (a retry or redrive speaks the stored `script.json`), and every
 * synthesised turn is kept (turn-cache.ts), so a retry asks the voice engine only for the turns no earlier attempt
 * spoke. Only an operator's message with `new_script` rewrites the script, and only one written before that request
 * (`generation.written_at`), so a redelivery of that message speaks the new script instead of writing yet another.
 * An episode without audio fails permanently; it is never `completed`.
 */
import { parseEpisodeContent, type PodcastConfig, type ProcessingMessage } from '../contracts.ts';
import { canApply, type Episode } from '../episodes/status.ts';
import { ConflictError, DownstreamError, NotFoundError, NotReadyError, ValidationError } from '../errors.ts';
import type { AudioStore, Clock, EngineRegistry, EpisodeKey, EpisodeRepository, ObjectStore, PodcastRepository, SpeechSynthesizer } from '../ports.ts';
import { reclaimInFlightPlace } from '../episodes/start-episode.ts';
import { episodeKey } from '../keys.ts';
import { renderEpisodeAudio, type RenderedAudio } from './render-audio.ts';
import type { Script } from './script.ts';
import { JSON_CHAPTERS_CONTENT_TYPE, toJsonChapters, toTranscriptText, toWebVtt } from './transcript.ts';
import { keepingTurns } from './turn-cache.ts';

export interface GeneratorDeps {
  podcasts: PodcastRepository;
  episodes: EpisodeRepository;
  objects: ObjectStore;
  /** The script writer and voice engine each podcast names. */
  engines: EngineRegistry;
  /** Where the episode's audio is encoded and kept. */
  audio: AudioStore;
  clock: Clock;
  /** Told of every turn the voice engine is asked to speak (the metrics' TTS characters); turns kept earlier are not. */
  onSpeechSent?: (turn: { characters: number }) => void;
}

export interface GenerationOptions {
  /**
   * An operator asked for a new script at this time (ISO; the message's `new_script.requested_at`): a stored script
   * written before it is written anew, one written at or after it is spoken. Without it a stored script is reused.
   */
  newScriptRequestedAt?: string;
}

export type GenerationResult =
  | { outcome: 'completed'; episode: Episode }
  | { outcome: 'already-done' | 'in-progress'; episode: Episode };

export async function generateEpisode(
  deps: GeneratorDeps,
  message: ProcessingMessage,
  leaseSeconds: number,
): Promise<GenerationResult> {
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
  const options: GenerationOptions = message.new_script ? { newScriptRequestedAt: message.new_script.requested_at } : {};
  return { outcome: 'completed', episode: await runGeneration(deps, podcast, key, leaseSeconds, options) };
}

/** Claims and generates; shared by the SQS path and the direct invocation path. */
export async function runGeneration(
  deps: GeneratorDeps,
  podcast: PodcastConfig,
  key: EpisodeKey,
  leaseSeconds: number,
  options: GenerationOptions = {},
): Promise<Episode> {
  let now = deps.clock.now();
  try {
    await deps.episodes.apply(
      'claimGeneration',
      key,
      // `new_script` goes to the timeline only: the episode's history shows which try an operator asked a new script for.
      { lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000).toISOString(), ...(options.newScriptRequestedAt ? { new_script: true } : {}) },
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

  const files = {
    script_key: episodeKey(key.podcastId, key.episodeId, 'script'),
    audio_key: episodeKey(key.podcastId, key.episodeId, 'audio'),
    transcript_key: episodeKey(key.podcastId, key.episodeId, 'transcript'),
    vtt_key: episodeKey(key.podcastId, key.episodeId, 'vtt'),
    chapters_key: episodeKey(key.podcastId, key.episodeId, 'chapters'),
  };
  let script = await scriptToSpeak(deps.objects, files.script_key, options.newScriptRequestedAt);
  if (!script) {
    const written = await deps.engines.writerFor(podcast).write(podcast, content);
    // Every writer fills in `generation` (the ScriptWriter port); one that does not leaves no time to compare with.
    script = written.generation ? { ...written, generation: { ...written.generation, written_at: deps.clock.now().toISOString() } } : written;
    await deps.objects.putJson(files.script_key, script);
  }
  const synthesizer = keepingTurns(deps.engines.synthesizerFor(podcast), {
    objects: deps.objects,
    episode: key,
    engine: podcast.voice_engine,
    ...(deps.onSpeechSent ? { onSent: deps.onSpeechSent } : {}),
  });
  const { durationSeconds, cues } = await renderAndStore(deps.audio, files.audio_key, script, synthesizer);
  await deps.objects.putText(files.transcript_key, toTranscriptText(script, cues), 'text/plain');
  await deps.objects.putText(files.vtt_key, toWebVtt(cues), 'text/vtt');
  await deps.objects.putText(files.chapters_key, `${JSON.stringify(toJsonChapters(script, cues), null, 2)}\n`, JSON_CHAPTERS_CONTENT_TYPE);

  now = deps.clock.now();
  return deps.episodes.apply(
    'markCompleted',
    key,
    {
      ...files,
      duration_seconds: Math.round(durationSeconds * 1000) / 1000,
      // A stored script from before descriptions existed has a title only.
      ...(typeof script.title === 'string' && script.title.trim() ? { title: script.title.trim() } : {}),
      ...(typeof script.description === 'string' && script.description.trim() ? { description: script.description.trim() } : {}),
      ...(script.generation ? { generation: script.generation } : {}),
      completed_at: now.toISOString(),
    },
    now,
  );
}

/**
 * The stored script to speak, or undefined when a new one is to be written: none is stored, or an operator asked for a
 * new script (at `newScriptRequestedAt`) and the stored one was written before that (or records no time, or is damaged).
 */
async function scriptToSpeak(objects: ObjectStore, key: string, newScriptRequestedAt: string | undefined): Promise<Script | undefined> {
  if (newScriptRequestedAt === undefined) return storedScript(objects, key);
  let stored: Script | undefined;
  try {
    stored = await storedScript(objects, key);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
  const writtenAt = stored?.generation?.written_at;
  return writtenAt !== undefined && Date.parse(writtenAt) >= Date.parse(newScriptRequestedAt) ? stored : undefined;
}

/**
 * The script an earlier attempt wrote, when there is one. Checked for the shape the renderer relies on: a damaged file
 * fails permanently, naming its key (an operator asks for a new script).
 */
async function storedScript(objects: ObjectStore, key: string): Promise<Script | undefined> {
  if (!(await objects.exists(key))) return undefined;
  const script = await objects.getJson<Script>(key);
  const problems: string[] = [];
  if (typeof script !== 'object' || script === null) problems.push('it is not an object');
  else {
    if (typeof script.speakers !== 'object' || script.speakers === null) problems.push('/speakers is missing');
    if (!Array.isArray(script.turns)) problems.push('/turns is not an array');
    else if (script.turns.some((turn) => typeof turn?.text !== 'string' || typeof turn?.speaker !== 'string')) {
      problems.push('/turns holds a turn without text or speaker');
    }
  }
  if (problems.length) throw new ValidationError(`${key} is not a script; retry the episode with a new script (episode retry --new-script)`, problems);
  return script;
}

/**
 * Speaks the script into the audio store: stored whole when every turn rendered, discarded when anything failed.
 * Throws a permanent DownstreamError when the encoder produced no MP3 frames: an empty file is never a finished episode.
 */
async function renderAndStore(store: AudioStore, key: string, script: Script, synthesizer: SpeechSynthesizer): Promise<RenderedAudio> {
  const audio = await store.open(key);
  let rendered: RenderedAudio;
  let bytes: number;
  try {
    rendered = await renderEpisodeAudio(script, { synthesizer, encoder: audio });
    ({ bytes } = await audio.finish());
  } catch (error) {
    await audio.discard();
    throw error;
  }
  if (!(bytes > 0)) throw new DownstreamError(`episode has no audio: the encoder wrote no MP3 frames to ${key}`, { retryable: false });
  return rendered;
}
