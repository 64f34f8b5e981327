import { ComfycordError, type LogContext } from './errors.ts';
import type { BaseErrorCode } from './error-codes.ts';
import { DISCORD_LIMITS } from './discord-limits.ts';

/**
 * Button custom_ids: `cc:<action>:<jobId>` or `cc:<action>:<jobId>:<imageIndex>`.
 * The job id is enough to find everything else in the store, so buttons on old
 * messages keep working after a restart. Anything else parses to null: a custom_id
 * arrives from Discord and is treated as untrusted input. In the base layer: the discord
 * adapter's views write these ids and the commands' button handler reads them.
 */

/**
 * Zoom Out 1.5× / 2× / custom, Make Square and Pan ⬅️➡️⬆️⬇️ (outpaint), `varyr` (Vary
 * (Region): a form for a mask, src/commands/vary-region.ts), and `edits`: the
 * per-image edit buttons of a batch, shown to the clicker alone. Short names: the id
 * carries the job id too, within Discord's 100 characters.
 */
export const OUTPAINT_ACTIONS = ['zoom15', 'zoom2', 'zoomc', 'square', 'panl', 'panr', 'panu', 'pand'] as const;
export type OutpaintButton = (typeof OUTPAINT_ACTIONS)[number];

export const BUTTON_ACTIONS = ['cancel', 'reroll', 'vary', 'varyr', 'upscale', 'delete', 'edits', ...OUTPAINT_ACTIONS] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

/** Actions that may name one image of a batch. */
const INDEXED_ACTIONS: ReadonlySet<ButtonAction> = new Set(['vary', 'varyr', 'upscale', 'edits', ...OUTPAINT_ACTIONS]);

export interface ButtonIntent {
  action: ButtonAction;
  jobId: string;
  /** 0-based image of the batch; null for the whole job. */
  imageIndex: number | null;
}

const PREFIX = 'cc';
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IMAGE_INDEX = /^(0|[1-9][0-9]?)$/;

/** A button we were about to send whose custom_id would not come back to us intact. */
export class CustomIdInvalidError extends ComfycordError<BaseErrorCode> {
  constructor(context: LogContext) {
    super('CUSTOM_ID_INVALID', 'This button could not be created.', { context });
  }
}

export function buildCustomId(intent: ButtonIntent): string {
  const { action, jobId, imageIndex } = intent;
  const valid =
    BUTTON_ACTIONS.includes(action) &&
    JOB_ID.test(jobId) &&
    (imageIndex === null || (INDEXED_ACTIONS.has(action) && Number.isInteger(imageIndex) && imageIndex >= 0 && imageIndex < 100));
  if (!valid) {
    throw new CustomIdInvalidError({ action, jobId, imageIndex });
  }
  const id = imageIndex === null ? `${PREFIX}:${action}:${jobId}` : `${PREFIX}:${action}:${jobId}:${imageIndex}`;
  // Unreachable with the checks above (64 + 16 < 100), kept so a future change cannot slip past Discord's limit.
  if (id.length > DISCORD_LIMITS.customId) {
    throw new CustomIdInvalidError({ id });
  }
  return id;
}

export function parseCustomId(customId: string): ButtonIntent | null {
  if (customId.length > DISCORD_LIMITS.customId) return null;
  const parts = customId.split(':');
  if (parts.length < 3 || parts.length > 4 || parts[0] !== PREFIX) return null;
  const [, action, jobId, index] = parts;
  if (action === undefined || jobId === undefined) return null;
  if (!isAction(action) || !JOB_ID.test(jobId)) return null;
  if (index === undefined) return { action, jobId, imageIndex: null };
  if (!INDEXED_ACTIONS.has(action) || !IMAGE_INDEX.test(index)) return null;
  return { action, jobId, imageIndex: Number(index) };
}

function isAction(value: string): value is ButtonAction {
  return (BUTTON_ACTIONS as readonly string[]).includes(value);
}
