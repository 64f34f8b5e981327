import type { ProgressSnapshot } from '../jobs/progress.ts';
import { buildCustomId, type ButtonAction } from '../custom-id.ts';
import { DISCORD_LIMITS, escapeMarkdown, escapeUntrusted, oneLine, truncate } from '../discord-limits.ts';
import { resultButtons } from './result-buttons.ts';
import type { MessageView, ViewButton, ViewEmbed, ViewField, ViewFile } from './message-view.ts';

export { buildCustomId, parseCustomId } from '../custom-id.ts';

/**
 * A job's Discord message as plain data (see message-view.ts): the progress line in
 * `content`, the parameters in an embed, the live preview or the results as files,
 * and buttons whose custom_ids carry the job id. Every text is cut to Discord's
 * limits here, so nothing downstream can produce a 50035 "invalid form body".
 */

export interface JobInfo {
  id: string;
  prompt: string;
  negative: string | null;
  template: string;
  /** A string when it does not fit a double (ComfyUI seeds go up to 2^64 − 1). */
  seed: number | string | null;
  steps: number | null;
  cfg: number | null;
  width: number | null;
  height: number | null;
  count: number;
  server: string | null;
  /** Discord user id of whoever asked. */
  requester: string;
  /** What this job was made from (`Zoom Out 2× of image 1 of [job …](link)`), for a button's job. */
  source?: string | null;
}

export type JobViewState =
  /** Waiting in the bot's own queue. */
  | { kind: 'waiting'; position: number; total: number; note?: string; typicalMs?: number }
  /** Handed to ComfyUI: queued there, running, or finishing. */
  | { kind: 'running'; progress: ProgressSnapshot; typicalMs?: number }
  | {
      kind: 'done';
      imageCount: number;
      elapsedMs: number;
      /** The delivered images (and grid); uploaded with the final edit. */
      files?: ViewFile[];
      /** Which of `files` the embed shows; defaults to the first still. '' shows none (a sound). */
      imageAttachmentName?: string;
      /** Indexes (into the job's files) of the still images, the only ones Vary and Upscale take; default: all. */
      stills?: number[];
      /** Text outputs of the run (a caption), shown in the embed, escaped. */
      texts?: string[];
      /** Outputs left out (too large to fit), in words of our own. */
      notes?: string[];
    }
  | { kind: 'failed'; userMessage: string }
  | { kind: 'cancelled' };

export const BAR_CELLS = 10;

const COLORS = {
  waiting: 0x99aab5,
  running: 0x5865f2,
  done: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x4f545c,
} as const;

const PREVIEW_NAMES = { 'image/jpeg': 'preview.jpg', 'image/png': 'preview.png', 'image/webp': 'preview.webp' } as const;

/** Within this of the end of a sampler pass the job is probably about to end. */
const FINAL_SOON_MS = 2000;

/**
 * Whether the job's final edit is probably near: its images are being collected, or a
 * sampler is in its last two seconds (a graph with a later pass, hires or refiner, makes
 * this early; that only costs its progress one edit in a window). The reply editor then
 * keeps the last request of the reply's rate-limit window for the final.
 */
export function expectsFinalSoon(state: JobViewState): boolean {
  if (state.kind !== 'running') return false;
  const { phase, step, etaMs } = state.progress;
  return phase === 'done' || (phase === 'running' && step !== null && etaMs !== null && etaMs <= FINAL_SOON_MS);
}

export function renderJobView(job: JobInfo, state: JobViewState): MessageView {
  const files = filesOf(state);
  const shown = imageNameOf(state, files);
  const embed = fitEmbed({
    title: truncate(`🖼️ ${job.template}`, DISCORD_LIMITS.embedTitle),
    description: truncate(escapeMarkdown(job.prompt), DISCORD_LIMITS.embedDescription),
    fields: [...notFittedFieldsOf(state), ...textFieldsOf(state), ...fieldsOf(job)].slice(0, DISCORD_LIMITS.embedFields),
    color: COLORS[state.kind],
    ...(shown === undefined ? {} : { imageAttachmentName: shown }),
    footer: truncate(`job ${job.id}${job.server === null ? '' : ` · ${job.server}`}`, DISCORD_LIMITS.footer),
  });
  return {
    content: truncate(statusText(state), DISCORD_LIMITS.content),
    embed,
    files,
    buttons: buttonsOf(job, state),
  };
}

export function statusText(state: JobViewState): string {
  switch (state.kind) {
    case 'waiting':
      return `⏳ Queued — position ${state.position} of ${state.total}${state.note ? `\n↪️ ${state.note}` : ''}${estimateLine(state.typicalMs)}`;
    case 'running':
      return runningText(state.progress) + (state.progress.phase === 'queued' ? estimateLine(state.typicalMs) : '');
    case 'done':
      return `✅ Done in ${formatDuration(state.elapsedMs)}`;
    case 'failed':
      return `❌ Failed — ${oneLine(state.userMessage, 1500)}`;
    case 'cancelled':
      return '🚫 Cancelled';
  }
}

function runningText(progress: ProgressSnapshot): string {
  const notes: string[] = [];
  if (progress.resubmitted !== null) notes.push(`⚠️ Resubmitted: ${oneLine(progress.resubmitted, 200)}`);
  if (progress.resyncing) notes.push('🔌 Reconnecting to the server…');
  if (progress.phase === 'queued') {
    const where =
      progress.ahead === null ? 'waiting for the server' : progress.ahead === 0 ? 'next on the server' : `${progress.ahead} ahead on the server`;
    return [`⏳ Queued — ${where}`, ...notes].join('\n');
  }
  if (progress.phase === 'done') return ['📦 Collecting the images…', ...notes].join('\n');
  const head = ['🎨 Running'];
  const position: string[] = [];
  if (progress.node !== null) position.push(`node ${progress.node.index}/${progress.node.total ?? '?'}`);
  if (progress.step !== null) position.push(`step ${progress.step.value}/${progress.step.max}`);
  if (position.length > 0) head.push(position.join(' · '));
  const bar = [`\`${progressBar(progress.fraction)}\` ${progress.percent}%`];
  if (progress.etaMs !== null) bar.push(`~${formatDuration(progress.etaMs)} left`);
  const lines = [head.join(' — '), bar.join(' · ')];
  if (progress.text !== null) lines.push(`-# ${oneLine(progress.text, 200)}`);
  if (progress.activity !== null) lines.push(`-# ${progress.activity === 'loading' ? 'Loading models…' : `${oneLine(progress.activity, 40)}…`}`);
  return [...lines, ...notes].join('\n');
}

/** A fixed-width bar of BAR_CELLS cells; a cell fills only once its share is complete. */
export function progressBar(fraction: number, cells: number = BAR_CELLS): string {
  const filled = Math.min(cells, Math.max(0, Math.floor(fraction * cells + 1e-9)));
  return '▰'.repeat(filled) + '▱'.repeat(cells - filled);
}

/** Under this a run is over before anyone reads an estimate (an image): none is shown. */
const ESTIMATE_SHOWN_FROM_MS = 30_000;

/**
 * While queued: how long a run of this template usually takes (RunTimes, the median of
 * its last runs), so a video's minutes are expected; nothing for a quick template.
 */
function estimateLine(typicalMs: number | undefined): string {
  if (typicalMs === undefined || typicalMs < ESTIMATE_SHOWN_FROM_MS) return '';
  return `\n-# usually takes about ${roughDuration(typicalMs)} once it starts`;
}

/** "45 s", "4 min", "2 h 10 min": an estimate, so rounded (to 5 s under 90 s, else to the minute). */
function roughDuration(ms: number): string {
  if (ms < 90_000) return `${Math.max(5, Math.round(ms / 5_000) * 5)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
}

/** "42 s", "3 min 05 s", "1 h 02 min"; seconds are rounded up so a countdown never shows 0 s early. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

function fieldsOf(job: JobInfo): ViewField[] {
  const fields: ViewField[] = [];
  const add = (name: string, value: string | null, inline = true): void => {
    if (value === null || value === '') return;
    fields.push({ name, value: truncate(value, DISCORD_LIMITS.fieldValue), inline });
  };
  add('From', job.source ?? null, false);
  if (job.negative !== null && job.negative.trim() !== '') add('Negative', escapeMarkdown(job.negative), false);
  add('Seed', job.seed === null ? null : `\`${String(job.seed)}\``);
  add('Steps', job.steps === null ? null : String(job.steps));
  add('CFG', job.cfg === null ? null : String(job.cfg));
  add('Size', job.width === null || job.height === null ? null : `${job.width}×${job.height}`);
  if (job.count > 1) add('Count', String(job.count));
  add('Requested by', JOB_USER.test(job.requester) ? `<@${job.requester}>` : escapeMarkdown(job.requester));
  return fields.slice(0, DISCORD_LIMITS.embedFields);
}

const JOB_USER = /^\d{1,20}$/;

/** Keeps the embed under Discord's 6000-character total by shortening the longest user texts. */
function fitEmbed(embed: ViewEmbed): ViewEmbed {
  const size = (e: ViewEmbed): number =>
    e.title.length + e.description.length + e.footer.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const over = size(embed) - DISCORD_LIMITS.embedTotal;
  if (over <= 0) return embed;
  const description = truncate(embed.description, Math.max(200, embed.description.length - over));
  let fitted: ViewEmbed = { ...embed, description };
  const stillOver = size(fitted) - DISCORD_LIMITS.embedTotal;
  if (stillOver > 0) {
    fitted = {
      ...fitted,
      fields: fitted.fields.map((f) => (f.name === 'Negative' ? { ...f, value: truncate(f.value, Math.max(100, f.value.length - stillOver)) } : f)),
    };
  }
  return fitted;
}

function filesOf(state: JobViewState): ViewFile[] {
  if (state.kind === 'done') return state.files ?? [];
  if (state.kind !== 'running' || state.progress.preview === null || state.progress.phase === 'done') return [];
  const { image, mime, sequence } = state.progress.preview;
  return [{ name: PREVIEW_NAMES[mime], data: image, id: `preview:${sequence}`, kind: 'preview' }];
}

/** Files Discord can show as an embed's image (a GIF animates there); a video or a sound cannot be one. */
const EMBEDDABLE = /\.(png|jpe?g|webp|gif)$/i;

function imageNameOf(state: JobViewState, files: ViewFile[]): string | undefined {
  if (state.kind === 'done') {
    if (state.imageAttachmentName === '') return undefined;
    if (state.imageAttachmentName !== undefined && files.some((f) => f.name === state.imageAttachmentName)) return state.imageAttachmentName;
    return files.find((f) => EMBEDDABLE.test(f.name))?.name;
  }
  return files[0]?.name;
}

/** Most text outputs shown; each is one field. */
const MAX_TEXT_FIELDS = 3;

/** Outputs that could not be attached: one field, our own words (no escaping needed). */
function notFittedFieldsOf(state: JobViewState): ViewField[] {
  if (state.kind !== 'done' || state.notes === undefined || state.notes.length === 0) return [];
  return [{ name: 'Not attached', value: truncate(state.notes.join('\n'), DISCORD_LIMITS.fieldValue), inline: false }];
}

/** A run's text outputs: untrusted, so escaped (no markdown, no mentions) and cut to a field. */
function textFieldsOf(state: JobViewState): ViewField[] {
  if (state.kind !== 'done' || state.texts === undefined) return [];
  return state.texts.slice(0, MAX_TEXT_FIELDS).map((text, index) => ({
    name: state.texts !== undefined && state.texts.length > 1 ? `Text ${index + 1}` : 'Text',
    value: truncate(escapeUntrusted(text.trim()), DISCORD_LIMITS.fieldValue) || '\u200b',
    inline: false,
  }));
}

function buttonsOf(job: JobInfo, state: JobViewState): ViewButton[][] {
  const button = (action: ButtonAction, label: string, style: ViewButton['style'], emoji?: string, imageIndex: number | null = null): ViewButton => ({
    customId: buildCustomId({ action, jobId: job.id, imageIndex }),
    label: truncate(label, DISCORD_LIMITS.buttonLabel),
    style,
    ...(emoji === undefined ? {} : { emoji }),
  });
  switch (state.kind) {
    case 'waiting':
    case 'running':
      return [[button('cancel', 'Cancel', 'danger', '✖️')]];
    case 'failed':
      return [[button('reroll', 'Reroll', 'primary', '🎲'), button('delete', 'Delete', 'danger', '🗑️')]];
    case 'cancelled':
      return [[button('delete', 'Delete', 'danger', '🗑️')]];
    case 'done':
      return resultButtons(job.id, state.imageCount, state.stills);
  }
}
