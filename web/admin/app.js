// Telecast admin: renders the page the path names from the JSON API. No framework; every value a podcast, a post or
// an error supplies goes into the page through textContent or an attribute, never as HTML.

const main = document.getElementById('main');

/** An element: `h('a', { href }, 'text', child)`; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false || child === '') continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const enc = encodeURIComponent;
const podcastPath = (id) => `/podcasts/${enc(id)}`;
const episodePath = (p, e) => `/podcasts/${enc(p)}/episodes/${enc(e)}`;

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

/** Calls the API; a lost session goes back to the login and returns here after. */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.assign(`/login?next=${enc(location.pathname + location.search)}`);
    throw new ApiError(401, { error: 'not logged in' });
  }
  const text = await response.text();
  const data = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!response.ok) throw new ApiError(response.status, typeof data === 'object' ? data : { error: String(data) });
  return data;
}

function render(title, ...content) {
  document.title = `${title} · Telecast admin`;
  main.replaceChildren(h('h1', {}, title), ...content);
}

function fail(error) {
  main.append(h('p', { class: 'notice bad', role: 'alert' }, error.message));
}

function badge(status) {
  return h('span', { class: `badge ${status ?? ''}` }, status ?? 'no episodes');
}

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

function seconds(s) {
  if (s === undefined || s === null) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A table that, on a phone, shows each row as a card of "label value" lines (admin.css: table.stack). */
function table(headers, rows, rowClass = () => undefined) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'stack' },
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((cells, i) => h('tr', { class: rowClass(i) }, cells.map((c, j) => h('td', { 'data-label': headers[j] }, c))))),
    ),
  );
}

// ---- podcasts -----------------------------------------------------------------------------------------------------

async function podcastsPage() {
  render('Podcasts', h('p', {}, h('a', { href: '/podcasts/new', class: 'button' }, 'New podcast')));
  const { podcasts, invalid } = await api('GET', '/api/podcasts');
  if (!podcasts.length) main.append(h('p', { class: 'muted' }, 'No podcasts yet.'));
  else {
    main.append(
      table(
        ['Podcast', 'Latest episode', 'Next due'],
        podcasts.map((p) => [
          h('a', { href: podcastPath(p.podcast_id) }, p.name),
          p.latest ? h('a', { href: episodePath(p.podcast_id, p.latest.episode_id), 'aria-label': `latest episode: ${p.latest.status}` }, badge(p.latest.status)) : badge(undefined),
          p.next_due_at ? (Date.parse(p.next_due_at) <= Date.now() ? 'due now' : when(p.next_due_at)) : h('span', { class: 'muted' }, p.not_due_reason ?? '—'),
        ]),
      ),
    );
  }
  for (const bad of invalid) main.append(h('p', { class: 'notice bad' }, `${bad.podcast_id}: stored configuration no longer valid: ${bad.error}`));
}

/**
 * The engines a podcast can name (SCRIPT_WRITERS and VOICE_ENGINES of src/core/contract-constants.ts; a unit test
 * keeps these lists equal to them): [value, what the operator reads]. '' is "the default".
 */
const SCRIPT_WRITER_CHOICES = [
  ['offline', 'Offline writer (no model)'],
  ['bedrock', 'Amazon Bedrock'],
  ['openai', 'OpenAI-compatible model'],
  ['gemini', 'Gemini'],
];
const VOICE_ENGINE_CHOICES = [
  ['', 'Default for the language (Flite for English, espeak-ng otherwise)'],
  ['flite', 'Flite (offline, English)'],
  ['espeak', 'espeak-ng (offline)'],
  ['polly', 'Amazon Polly (English)'],
  ['openai', 'OpenAI speech'],
  ['elevenlabs', 'ElevenLabs'],
  ['gemini', 'Gemini speech (English)'],
];

const PUBLISHING_MODE_CHOICES = [
  ['manual', 'Manual (from each episode page)'],
  ['auto', 'Automatic (each completed episode)'],
];

/**
 * Apple Podcasts' categories and their subcategories (APPLE_CATEGORIES of src/core/publishing/apple-categories.ts,
 * which the schema checks against; a unit test reads this block as JSON and keeps it equal to that list).
 */
const APPLE_CATEGORIES = {
  "Arts": ["Books",  "Design",  "Fashion & Beauty",  "Food",  "Performing Arts",  "Visual Arts"],
  "Business": ["Careers",  "Entrepreneurship",  "Investing",  "Management",  "Marketing",  "Non-Profit"],
  "Comedy": ["Comedy Interviews",  "Improv",  "Stand-Up"],
  "Education": ["Courses",  "How To",  "Language Learning",  "Self-Improvement"],
  "Fiction": ["Comedy Fiction",  "Drama",  "Science Fiction"],
  "Government": [],
  "History": [],
  "Health & Fitness": ["Alternative Health",  "Fitness",  "Medicine",  "Mental Health",  "Nutrition",  "Sexuality"],
  "Kids & Family": ["Education for Kids",  "Parenting",  "Pets & Animals",  "Stories for Kids"],
  "Leisure": ["Animation & Manga",  "Automotive",  "Aviation",  "Crafts",  "Games",  "Hobbies",  "Home & Garden",  "Video Games"],
  "Music": ["Music Commentary",  "Music History",  "Music Interviews"],
  "News": ["Business News",  "Daily News",  "Entertainment News",  "News Commentary",  "Politics",  "Sports News",  "Tech News"],
  "Religion & Spirituality": ["Buddhism",  "Christianity",  "Hinduism",  "Islam",  "Judaism",  "Religion",  "Spirituality"],
  "Science": ["Astronomy",  "Chemistry",  "Earth Sciences",  "Life Sciences",  "Mathematics",  "Natural Sciences",  "Nature",  "Physics",  "Social Sciences"],
  "Society & Culture": ["Documentary",  "Personal Journals",  "Philosophy",  "Places & Travel",  "Relationships"],
  "Sports": ["Baseball",  "Basketball",  "Cricket",  "Fantasy Sports",  "Football",  "Golf",  "Hockey",  "Rugby",  "Running",  "Soccer",  "Swimming",  "Tennis",  "Volleyball",  "Wilderness",  "Wrestling"],
  "Technology": [],
  "True Crime": [],
  "TV & Film": ["After Shows",  "Film History",  "Film Interviews",  "Film Reviews",  "TV Reviews"]
};
const CATEGORY_CHOICES = [['', 'None yet (required for publishing)'], ...Object.keys(APPLE_CATEGORIES).map((c) => [c, c])];

/**
 * The form's fields: [path in the configuration, label, kind, choices (a checkbox: whether it starts ticked on a new
 * podcast; default ticked)]. Fields under `publishing.` go in the Publishing fieldset. Fields not here keep their
 * stored values.
 */
const FIELDS = [
  ['podcast_id', 'Podcast id (lower-case slug)', 'text'],
  ['name', 'Name', 'text'],
  ['creator', 'Creator', 'text'],
  ['slogan', 'Slogan', 'text'],
  ['language', 'Language', 'language'],
  ['telegram_channels', 'Telegram channels (one per line)', 'list'],
  ['channel_sources', 'Channel sources (one per line: channel = auto, web, mtproto or export; unlisted channels are auto)', 'sources'],
  ['window_hours', 'Collection window (hours)', 'number'],
  ['episode_frequency_hours', 'Episode every (hours)', 'number'],
  ['target_minutes', 'Episode length (minutes, 1 to 120)', 'number'],
  ['script_writer', 'Script writer', 'choice', SCRIPT_WRITER_CHOICES],
  ['voice_engine', 'Voice engine (the hosts\' voices are its voices)', 'choice', VOICE_ENGINE_CHOICES],
  ['speakers.person1.name', 'Host 1 name', 'text'],
  ['speakers.person1.voice', 'Host 1 voice', 'text'],
  ['speakers.person2.name', 'Host 2 name', 'text'],
  ['speakers.person2.voice', 'Host 2 voice', 'text'],
  ['conversation_style', 'Conversation style (one per line)', 'list'],
  ['min_post_length', 'Shortest post kept (characters)', 'number'],
  ['additional_instructions', 'Additional instructions', 'textarea'],
  ['enabled', 'Enabled (on the schedule and for Generate)', 'checkbox'],
  ['publishing.mode', 'Publishing mode', 'choice', PUBLISHING_MODE_CHOICES],
  ['publishing.description', 'Podcast description (directories show it)', 'textarea'],
  ['publishing.artwork_url', 'Artwork URL (https, square JPEG or PNG, 1400 to 3000 px)', 'text'],
  ['publishing.category', 'Apple Podcasts category', 'choice', CATEGORY_CHOICES],
  ['publishing.subcategory', 'Subcategory', 'subcategory'],
  ['publishing.author', 'Author', 'text'],
  ['publishing.owner_name', 'Owner name', 'text'],
  ['publishing.owner_email', 'Owner e-mail (directories verify ownership there)', 'text'],
  ['publishing.link', 'Website link', 'text'],
  ['publishing.explicit', 'Explicit content', 'checkbox', false],
];

/** The subcategory select's options: none, and those of the chosen category (plus a stored one it lacks, so the schema names it). */
function subcategoryOptions(select, category, value) {
  const names = [...(APPLE_CATEGORIES[category] ?? [])];
  if (value && !names.includes(value)) names.push(value);
  select.replaceChildren(
    h('option', { value: '', selected: !value }, names.length ? 'None' : 'None (this category has none)'),
    ...names.map((n) => h('option', { value: n, selected: n === value }, n)),
  );
}

const getPath = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
function setPath(obj, path, value) {
  const keys = path.split('.');
  // An empty field under an absent object (no speakers given) leaves it absent, so the schema's defaults apply.
  if (value === undefined && getPath(obj, keys.slice(0, -1).join('.') || '') === undefined && keys.length > 1) return;
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] = typeof o[k] === 'object' && o[k] !== null ? { ...o[k] } : {};
  if (value === undefined) delete o[keys.at(-1)];
  else o[keys.at(-1)] = value;
}
const fieldId = (path) => `f-${path.replaceAll('.', '-')}`;

/** What a field means when left empty, where that needs saying: the API's `length` tells what the frequency gives. */
function fieldHint(path, existing, length) {
  if (path !== 'target_minutes') return '';
  if (!length) return 'Empty: from the episode frequency (5 minutes for several episodes a day, 10 for a daily show, 20 for a weekly one); saved podcasts show the figure here.';
  const now = length.from_frequency ? `now ${length.target_minutes} minutes` : `it would be ${length.frequency_minutes} minutes`;
  return `Empty: from the episode frequency (an episode every ${existing.episode_frequency_hours} hours): ${now}.`;
}

function configForm(existing, onSaved, length) {
  const general = h('div', { class: 'wide', 'aria-live': 'polite' });
  const fields = FIELDS.filter(([path]) => !(existing && path === 'podcast_id')).map(([path, label, kind, choices]) => {
    const id = fieldId(path);
    const value = existing ? getPath(existing, path) : kind === 'checkbox' ? (choices ?? true) : undefined;
    let input;
    if (kind === 'language') input = h('select', { id, name: path }, ['en', 'he'].map((l) => h('option', { value: l, selected: (value ?? 'en') === l }, l)));
    else if (kind === 'choice') input = h('select', { id, name: path }, choices.map(([v, text]) => h('option', { value: v, selected: (value ?? choices[0][0]) === v }, text)));
    else if (kind === 'subcategory') subcategoryOptions((input = h('select', { id, name: path })), getPath(existing, 'publishing.category'), value);
    else if (kind === 'list' || kind === 'textarea' || kind === 'sources') input = h('textarea', { id, name: path, rows: 3 });
    else if (kind === 'checkbox') input = h('input', { id, name: path, type: 'checkbox', checked: value !== false });
    else input = h('input', { id, name: path, type: 'text', inputmode: kind === 'number' ? 'decimal' : undefined });
    if (kind === 'list') input.value = (value ?? []).join('\n');
    else if (kind === 'sources') input.value = Object.entries(value ?? {}).map(([channel, source]) => `${channel} = ${source}`).join('\n');
    else if (kind !== 'checkbox' && kind !== 'language' && kind !== 'choice' && kind !== 'subcategory') input.value = value ?? '';
    const hintText = fieldHint(path, existing, length);
    const hint = hintText ? h('p', { class: 'muted field-hint', id: `${id}-hint` }, hintText) : '';
    input.setAttribute('aria-describedby', hintText ? `${id}-hint ${id}-error` : `${id}-error`);
    const error = h('p', { class: 'field-error', id: `${id}-error` });
    const wide = kind === 'textarea' || kind === 'list' || kind === 'sources' || kind === 'checkbox';
    return { path, kind, input, error, el: h('div', { class: `field${wide ? ' wide' : ''}` }, h('label', { for: id }, label), input, hint, error) };
  });
  const category = fields.find((f) => f.path === 'publishing.category').input;
  const subcategory = fields.find((f) => f.path === 'publishing.subcategory').input;
  category.addEventListener('change', () => subcategoryOptions(subcategory, category.value, ''));
  const publishing = h(
    'fieldset',
    { class: 'wide group' },
    h('legend', {}, 'Publishing (the public feed)'),
    fields.filter((f) => f.path.startsWith('publishing.')).map((f) => f.el),
  );
  const submit = h('button', { type: 'submit' }, existing ? 'Save configuration' : 'Create podcast');
  const form = h(
    'form',
    { class: 'config', novalidate: true },
    fields.filter((f) => !f.path.startsWith('publishing.')).map((f) => f.el),
    publishing,
    general,
    h('div', { class: 'wide' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const config = structuredClone(existing ?? {});
    for (const f of fields) {
      const raw = f.kind === 'checkbox' ? f.input.checked : f.input.value;
      let value;
      if (f.kind === 'checkbox') value = raw;
      else if (f.kind === 'list') value = raw.split('\n').map((s) => s.trim()).filter(Boolean);
      // `channel = source` per line; a line without `=` is sent as its own key, so the schema names it.
      else if (f.kind === 'sources') {
        value = Object.fromEntries(raw.split('\n').map((s) => s.trim()).filter(Boolean).map((line) => line.split('=').map((x) => x.trim())).map(([c, s]) => [c, s ?? '']));
      }
      else if (raw.trim() === '') value = undefined;
      // A number that does not parse is sent as typed, so the schema names the field.
      else if (f.kind === 'number') value = Number.isFinite(Number(raw)) ? Number(raw) : raw;
      else value = raw;
      setPath(config, f.path, value);
    }
    for (const f of fields) {
      f.error.textContent = '';
      f.input.removeAttribute('aria-invalid');
    }
    general.replaceChildren();
    const id = existing ? existing.podcast_id : String(config.podcast_id ?? '').trim();
    if (!id) {
      const f = fields.find((x) => x.path === 'podcast_id');
      f.error.textContent = 'is required';
      f.input.setAttribute('aria-invalid', 'true');
      f.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const { podcast } = await api('PUT', `/api/podcasts/${enc(id)}`, config);
      onSaved(podcast);
    } catch (error) {
      const violations = error.body?.violations ?? [];
      let first;
      for (const v of violations) {
        const f = fields.find((x) => x.path === v.field || v.field.startsWith(`${x.path}.`));
        if (f) {
          f.error.textContent = f.error.textContent ? `${f.error.textContent}; ${v.message}` : v.message;
          f.input.setAttribute('aria-invalid', 'true');
          first ??= f.input;
        } else general.append(h('p', { class: 'error' }, `${v.field || 'configuration'}: ${v.message}`));
      }
      if (!violations.length) general.append(h('p', { class: 'notice bad', role: 'alert' }, error.message));
      else general.prepend(h('p', { class: 'notice bad', role: 'alert' }, 'Nothing was saved: fix the fields marked below.'));
      first?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function newPodcastPage() {
  render('New podcast', configForm(undefined, (podcast) => location.assign(podcastPath(podcast.podcast_id))));
}

async function podcastPage(podcastId) {
  const { podcast, length, unreadable = [], feed } = await api('GET', `/api/podcasts/${enc(podcastId)}`);
  const generateArea = h('div', { 'aria-live': 'polite' });
  const readiness = unreadable.length
    ? h('div', { class: 'notice bad', id: 'unreadable', role: 'status' }, h('strong', {}, 'The schedule starts no episode until every channel can be read: '), h('ul', {}, unreadable.map((u) => h('li', {}, u.reason))))
    : '';
  const episodesArea = h('div');
  render(
    podcast.name,
    h('p', { class: 'muted' }, podcast.podcast_id, podcast.enabled ? '' : ' · disabled'),
    readiness,
    generateArea,
    feedSection(feed),
    h('h2', {}, 'Episodes'),
    episodesArea,
    h('h2', {}, 'Configuration'),
    configForm(podcast, () => location.reload(), length),
  );
  const first = await loadEpisodes(podcastId, episodesArea);
  const inFlight = first.find((e) => ['pending', 'collecting', 'collected', 'generating'].includes(e.status));
  const button = h('button', { type: 'button', id: 'generate', 'aria-describedby': 'generate-note' }, 'Generate Episode Now');
  const note = h('p', { id: 'generate-note' });
  if (!podcast.enabled) {
    button.disabled = true;
    note.append('This podcast is disabled: enable it below to generate episodes.');
  } else if (inFlight) {
    button.disabled = true;
    note.append(`Episode ${inFlight.episode_id} is ${inFlight.status}: one episode at a time. `, h('a', { href: episodePath(podcastId, inFlight.episode_id) }, 'See its progress'));
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    note.replaceChildren('Starting…');
    try {
      const started = await api('POST', `/api/podcasts/${enc(podcastId)}/episodes`);
      location.assign(episodePath(podcastId, started.episode_id));
    } catch (error) {
      note.replaceChildren(h('span', { class: 'error', role: 'alert' }, error.message));
      const holder = error.body?.episode;
      if (holder) note.append(' ', h('a', { href: episodePath(podcastId, holder.episode_id) }, `See episode ${holder.episode_id}`));
      else button.disabled = false;
    }
  });
  generateArea.append(h('div', { class: 'row' }, button), note);
}

/** Where the podcast's feed is and, until it can be published, what its configuration still lacks. */
function feedSection(feed) {
  if (!feed) return '';
  const mode = feed.mode === 'auto' ? 'completed episodes are published automatically' : 'episodes are published from their pages';
  return h(
    'section',
    { id: 'feed', 'aria-labelledby': 'feed-heading' },
    h('h2', { id: 'feed-heading' }, 'Feed'),
    feed.feed_url
      ? h('p', {}, h('a', { href: feed.feed_url, id: 'feed-url' }, feed.feed_url), ` · ${mode}`)
      : h('p', { class: 'muted' }, 'Publishing is not configured on this deployment (PUBLIC_BASE_URL is empty).'),
    missingList(feed.missing, 'feed-missing'),
  );
}

/** `publishing.author: why` lines as a notice; '' when nothing is missing. */
function missingList(missing, id) {
  if (!missing?.length) return '';
  return h(
    'div',
    { class: 'notice', id },
    h('strong', {}, 'Not publishable yet; set in the Publishing part of the configuration:'),
    h('ul', {}, missing.map((m) => h('li', {}, m))),
  );
}

async function loadEpisodes(podcastId, area, before) {
  const { episodes, next_before } = await api('GET', `/api/podcasts/${enc(podcastId)}/episodes?limit=10${before ? `&before=${enc(before)}` : ''}`);
  if (!episodes.length && !before) area.append(h('p', { class: 'muted' }, 'No episodes yet.'));
  else {
    area.append(
      table(
        ['Episode', 'Status', 'Duration', 'Failure'],
        episodes.map((e) => [
          h('a', { href: episodePath(podcastId, e.episode_id) }, e.episode_id),
          badge(e.status),
          e.duration_seconds ? seconds(e.duration_seconds) : '—',
          e.error ? `${e.failed_stage ?? ''}: ${e.error}` : e.skip_reason ?? '',
        ]),
      ),
    );
  }
  if (next_before) {
    const more = h('button', { type: 'button', class: 'secondary' }, 'Older episodes');
    more.addEventListener('click', async () => {
      more.remove();
      await loadEpisodes(podcastId, area, next_before);
    });
    area.append(more);
  }
  return episodes;
}

// ---- an episode ---------------------------------------------------------------------------------------------------

async function episodePage(podcastId, episodeId) {
  const url = `/api/podcasts/${enc(podcastId)}/episodes/${enc(episodeId)}`;
  const statusBox = h('div', { class: 'status-box', role: 'status', 'aria-live': 'polite', id: 'status' });
  const actions = h('div', {});
  const timeline = h('div', {});
  const result = h('div', {});
  render(`Episode ${episodeId}`, h('p', {}, h('a', { href: podcastPath(podcastId) }, `← ${podcastId}`)), statusBox, actions, h('h2', {}, 'Timeline'), timeline, result);

  let delay = 1000;
  let shownTerminal = false;
  const poll = async () => {
    let e;
    try {
      e = await api('GET', url);
    } catch (error) {
      statusBox.replaceChildren(h('span', { class: 'error' }, error.message));
      if (error.status === 404) return;
      setTimeout(poll, (delay = Math.min(10_000, delay * 2)));
      return;
    }
    showStatus(statusBox, e);
    showTimeline(timeline, e);
    if (e.terminal) {
      // Terminal: no more requests. Results are drawn once.
      if (!shownTerminal) {
        shownTerminal = true;
        await showResult(result, actions, e, podcastId, episodeId);
      }
      return;
    }
    // Backoff: 1 s, rising to 10 s, while the episode is on its way.
    setTimeout(poll, delay);
    delay = Math.min(10_000, Math.round(delay * 1.5));
  };
  await poll();
}

function showStatus(box, e) {
  const parts = [h('span', { class: 'big' }, badge(e.status)), ' ', h('span', { id: 'stage' }, `stage: ${e.stage}`)];
  if (e.time_in_stage_seconds !== null) parts.push(` · ${seconds(e.time_in_stage_seconds)} in this stage`);
  if (e.attempts > 1) parts.push(` · attempt ${e.attempts}`);
  if (e.last_error && !e.terminal) parts.push(h('p', { class: 'muted' }, `last error (retrying): ${e.last_error}`));
  box.replaceChildren(...parts);
}

function showTimeline(area, e) {
  area.replaceChildren(
    table(
      ['Status', 'Start', 'End', 'Duration', 'Try', 'Message', 'Error'],
      e.timeline.map((p) => [
        badge(p.status),
        when(p.start),
        p.end ? when(p.end) : e.terminal ? '—' : 'now',
        seconds(p.duration_seconds),
        // A try an operator asked to write a new script for says so.
        p.new_script ? `${p.attempt ?? ''} (new script asked for)`.trim() : (p.attempt ?? ''),
        p.message_id ?? '',
        p.error ?? '',
      ]),
    ),
  );
}

async function showResult(area, actions, e, podcastId, episodeId) {
  if (e.status === 'completed') {
    actions.replaceChildren(publishingSection(e, podcastId, episodeId));
    const audio = h('audio', { controls: true, preload: 'metadata', src: e.files.audio, id: 'player', 'aria-label': 'Episode audio' });
    const transcript = h('div', { class: 'transcript', id: 'transcript', tabindex: '0', 'aria-label': 'Transcript' }, 'Loading transcript…');
    area.replaceChildren(
      h('h2', {}, 'Listen'),
      audio,
      h('p', { class: 'muted' }, `Duration ${seconds(e.duration_seconds)} · links valid ${Math.round((e.links_expire_in_seconds ?? 0) / 60)} min · `, h('a', { href: e.files.transcript }, 'transcript.txt'), ' · ', h('a', { href: e.files.vtt }, 'transcript.vtt')),
      h('h2', {}, 'Transcript'),
      transcript,
    );
    try {
      transcript.textContent = await api('GET', `/api/podcasts/${enc(podcastId)}/episodes/${enc(episodeId)}/transcript`);
    } catch (error) {
      transcript.textContent = `transcript unavailable: ${error.message}`;
    }
  } else if (e.status === 'failed') {
    const retry = h('button', { type: 'button', id: 'retry' }, 'Retry');
    const note = h('p', { 'aria-live': 'polite' });
    // Failed while generating, the episode has a stored script a retry speaks again; the operator may ask for a new one
    // (e.g. after changing the podcast's hosts or length).
    const newScript =
      e.failed_stage === 'generating' ? h('button', { type: 'button', id: 'retry-new-script', 'aria-describedby': 'retry-new-script-hint' }, 'Retry with a new script') : null;
    actions.replaceChildren(
      h('div', { class: 'notice bad', id: 'failure' }, h('strong', {}, `Failed at ${e.failed_stage ?? 'an unknown stage'}: `), e.error ?? 'no reason recorded'),
      h('div', { class: 'row' }, retry, h('span', { class: 'muted' }, 'Retries only the stage that failed, after you fixed its cause.')),
      ...(newScript
        ? [h('div', { class: 'row' }, newScript, h('span', { class: 'muted', id: 'retry-new-script-hint' }, 'Writes the script again from the current configuration instead of speaking the stored one.'))]
        : []),
      note,
    );
    const buttons = [retry, newScript].filter(Boolean);
    const retryWith = (body) => async () => {
      for (const b of buttons) b.disabled = true;
      try {
        const r = await api('POST', `/api/podcasts/${enc(podcastId)}/episodes/${enc(episodeId)}/retry`, body);
        note.textContent =
          r.method === 'new-script'
            ? `Discarded ${r.discarded} dead letter(s) and sent the ${r.queue} stage's message asking for a new script.`
            : r.method === 'dead-letter'
              ? `Moved ${r.moved} dead letter(s) back to the ${r.queue} queue.`
              : `Sent the ${r.queue} stage's message again.`;
        setTimeout(() => location.reload(), 500);
      } catch (error) {
        note.textContent = error.message;
        for (const b of buttons) b.disabled = false;
      }
    };
    retry.addEventListener('click', retryWith(undefined));
    newScript?.addEventListener('click', retryWith({ new_script: true }));
  } else if (e.status === 'skipped') {
    actions.replaceChildren(h('p', { class: 'notice' }, `Skipped: ${e.skip_reason ?? 'no reason recorded'}`));
  }
  if (e.generation) area.append(generationOf(e.generation));
  if (e.channel_stats?.length) area.append(channelStats(e.channel_stats));
}

/**
 * A completed episode's place in the feed: published (the feed item's audio URL, since when, Withdraw), or not (when
 * it was withdrawn, Publish; disabled with the reasons while the podcast lacks what directories require).
 */
function publishingSection(e, podcastId, episodeId) {
  const section = h('section', { id: 'publishing', 'aria-labelledby': 'publishing-heading' }, h('h2', { id: 'publishing-heading' }, 'Publishing'));
  const note = h('div', { id: 'publish-note', 'aria-live': 'polite' });
  const call = (what, button) => async () => {
    // Withdrawing deletes the public copies: a listener's app loses the episode at its next refresh.
    if (what === 'withdraw' && !confirm(`Withdraw episode ${episodeId} from the feed? Its public copies are deleted; the private files stay.`)) return;
    button.disabled = true;
    note.replaceChildren(what === 'publish' ? 'Publishing…' : 'Withdrawing…');
    try {
      const updated = await api('POST', `/api/podcasts/${enc(podcastId)}/episodes/${enc(episodeId)}/${what}`);
      section.replaceWith(publishingSection(updated, podcastId, episodeId));
    } catch (error) {
      const violations = error.body?.violations ?? [];
      note.replaceChildren(h('span', { class: 'error', role: 'alert' }, violations.length ? 'Refused:' : error.message));
      if (violations.length) note.append(h('ul', {}, violations.map((v) => h('li', {}, v.field ? `${v.field}: ${v.message}` : v.message))));
      button.disabled = false;
    }
  };
  const pub = e.publication;
  if (pub) {
    const withdraw = h('button', { type: 'button', class: 'secondary', id: 'withdraw' }, 'Withdraw from the feed');
    withdraw.addEventListener('click', call('withdraw', withdraw));
    section.append(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'In the feed since'),
        h('dd', { id: 'published-at' }, when(pub.published_at)),
        h('dt', {}, 'Title'),
        h('dd', {}, pub.title),
        h('dt', {}, 'Audio'),
        h('dd', {}, h('a', { href: pub.audio_url, id: 'published-audio' }, pub.audio_url)),
      ),
      h('div', { class: 'row' }, withdraw),
      note,
    );
    return section;
  }
  const publish = h('button', { type: 'button', id: 'publish', 'aria-describedby': 'publish-note' }, 'Publish to the feed');
  publish.addEventListener('click', call('publish', publish));
  if (e.withdrawn_at) section.append(h('p', { id: 'withdrawn' }, `Withdrawn from the feed ${when(e.withdrawn_at)}; publishing it again keeps its feed item's guid.`));
  else section.append(h('p', { class: 'muted' }, 'Not in the podcast\'s feed.'));
  section.append(h('div', { class: 'row' }, publish), note);
  // Whether the podcast can be published decides the button; reading it does not hold the section up.
  api('GET', `/api/podcasts/${enc(podcastId)}`).then(
    ({ feed }) => {
      if (!feed) return;
      if (!feed.feed_url) note.replaceChildren('Publishing is not configured on this deployment (PUBLIC_BASE_URL is empty).');
      else if (feed.missing.length) note.replaceChildren(missingList(feed.missing, 'publish-missing'), h('a', { href: podcastPath(podcastId) }, 'Edit the podcast'));
      else return;
      publish.disabled = true;
    },
    () => undefined,
  );
  return section;
}

/** How the script was written: its length against the target, what was left out and why it is short, a model's usage. */
function generationOf(g) {
  const rows = [
    ['Writer', g.model ? `${g.writer} (${g.model})` : g.writer],
    ['Length', `${g.words} words, about ${g.estimated_minutes} min for a target of ${g.target_minutes} min`],
  ];
  if (g.short_because) rows.push(['Short because', g.short_because]);
  if (g.posts_left_out !== undefined) rows.push(['Posts left out for length', String(g.posts_left_out)]);
  if (g.promotional_dropped !== undefined) rows.push(['Promotional posts dropped', String(g.promotional_dropped)]);
  if (g.usage) {
    const u = g.usage;
    rows.push(['Model usage', `${u.requests} request(s), ${u.input_tokens} input and ${u.output_tokens} output tokens${u.repairs ? `, ${u.repairs} repair(s)` : ''}`]);
    if (u.estimated_cost_usd !== undefined) rows.push(['Estimated cost', `$${u.estimated_cost_usd.toFixed(4)}`]);
  }
  return h('section', { id: 'generation' }, h('h2', {}, 'Script'), h('dl', { class: 'facts' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

/** Per channel: what the collector read and why posts were dropped, so a short episode explains itself. */
function channelStats(stats) {
  const dropped = (d) => Object.entries(d).map(([rule, n]) => `${rule} ${n}`).join(', ') || '—';
  return h(
    'section',
    { id: 'channel-stats' },
    h('h2', {}, 'Channels'),
    table(
      ['Channel', 'Source', 'Read', 'Kept', 'Dropped', 'Media stored', 'Media failed'],
      stats.map((s) => [`@${s.channel}`, s.source, String(s.read), String(s.kept), dropped(s.dropped), String(s.media_stored), String(s.media_failed)]),
    ),
  );
}

// ---- queues, search, audit ----------------------------------------------------------------------------------------

async function queuesPage() {
  render('Queues');
  const { queues, pipeline } = await api('GET', '/api/queues');
  main.append(
    table(
      ['Queue', 'Visible', 'In flight', 'Delayed', 'Oldest message'],
      queues.map((q) => [q.queue, String(q.visible), String(q.in_flight), String(q.delayed), q.oldest_age_seconds === null ? 'n/a' : seconds(q.oldest_age_seconds)]),
      (i) => (queues[i].dead_letter && queues[i].visible > 0 ? 'alert' : undefined),
    ),
    h('p', { class: 'muted' }, 'The age of the oldest message is a CloudWatch metric (its alarm watches it); the queue API does not report it.'),
  );
  for (const which of pipeline) {
    const section = h('section', { 'aria-labelledby': `dlq-${which}` });
    main.append(section);
    const { letters } = await api('GET', `/api/queues/${which}/letters`);
    const note = h('p', { 'aria-live': 'polite' });
    const redrive = h('button', { type: 'button', id: `redrive-${which}` }, `Redrive all (${letters.length})`);
    redrive.addEventListener('click', async () => {
      redrive.disabled = true;
      try {
        note.textContent = (await api('POST', `/api/queues/${which}/redrive`)).message;
      } catch (error) {
        note.textContent = error.message;
      }
      redrive.disabled = false;
    });
    section.append(
      h('h2', { id: `dlq-${which}` }, `Dead letters: ${which}`),
      letters.length
        ? table(
            ['Message', 'Reason', 'Stage', 'Episode', 'Receives'],
            letters.map((l) => [
              l.message_id,
              l.reason ?? 'moved by SQS after its receives: the episode has the reason',
              l.stage ?? '',
              l.episode ? h('a', { href: episodePath(l.episode.podcast_id, l.episode.episode_id) }, `${l.episode.podcast_id}/${l.episode.episode_id}`) : 'names no episode',
              String(l.receive_count),
            ]),
          )
        : h('p', { class: 'muted' }, 'Empty.'),
      h('div', { class: 'row' }, redrive),
      note,
    );
  }
}

async function searchPage() {
  const params = new URLSearchParams(location.search);
  const { podcasts } = await api('GET', '/api/podcasts');
  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const statuses = ['', 'pending', 'collecting', 'collected', 'generating', 'completed', 'failed', 'skipped'];
  const form = h(
    'form',
    { class: 'search', method: 'get', action: '/search' },
    field('s-q', 'Episode id contains', h('input', { id: 's-q', name: 'q', value: params.get('q') ?? '' })),
    field('s-podcast', 'Podcast', h('select', { id: 's-podcast', name: 'podcast' }, h('option', { value: '' }, 'any'), podcasts.map((p) => h('option', { value: p.podcast_id, selected: params.get('podcast') === p.podcast_id }, p.name)))),
    field('s-status', 'Status', h('select', { id: 's-status', name: 'status' }, statuses.map((s) => h('option', { value: s, selected: (params.get('status') ?? '') === s }, s || 'any')))),
    field('s-from', 'Created from', h('input', { id: 's-from', name: 'from', type: 'date', value: params.get('from') ?? '' })),
    field('s-to', 'Created to', h('input', { id: 's-to', name: 'to', type: 'date', value: params.get('to') ?? '' })),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')),
  );
  const results = h('div', { 'aria-live': 'polite' });
  render('Search episodes', form, results);
  const query = new URLSearchParams([...params].filter(([, v]) => v));
  try {
    const { episodes } = await api('GET', `/api/episodes?${query}`);
    results.append(
      h('h2', {}, `${episodes.length} episode(s)`),
      table(
        ['Podcast', 'Episode', 'Status', 'Created', 'Failure'],
        episodes.map((e) => [e.podcast_id, h('a', { href: episodePath(e.podcast_id, e.episode_id) }, e.episode_id), badge(e.status), when(e.created_at), e.error ?? '']),
      ),
    );
  } catch (error) {
    results.append(h('p', { class: 'notice bad', role: 'alert' }, error.message));
  }
}

async function auditPage() {
  render('Audit log');
  const { entries } = await api('GET', '/api/audit');
  main.append(
    entries.length
      ? table(['Time', 'Actor (session)', 'Action', 'Target', 'Outcome', 'Detail'], entries.map((a) => [when(a.at), a.actor, a.action, a.target, a.outcome, a.detail ?? '']))
      : h('p', { class: 'muted' }, 'No actions yet.'),
  );
}

// ---- router -------------------------------------------------------------------------------------------------------

const ROUTES = [
  [/^\/$/, podcastsPage],
  [/^\/podcasts\/new$/, newPodcastPage],
  [/^\/podcasts\/([^/]+)\/episodes\/([^/]+)$/, episodePage],
  [/^\/podcasts\/([^/]+)$/, podcastPage],
  [/^\/queues$/, queuesPage],
  [/^\/search$/, searchPage],
  [/^\/audit$/, auditPage],
];

async function start() {
  for (const link of document.querySelectorAll('.top nav a')) if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
  for (const [pattern, page] of ROUTES) {
    const match = pattern.exec(location.pathname);
    if (!match) continue;
    try {
      await page(...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      if (error.status !== 401) fail(error);
    }
    return;
  }
  render('Not found', h('p', {}, h('a', { href: '/' }, 'Back to the podcasts')));
}

start();
