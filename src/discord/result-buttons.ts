import { buildCustomId, type ButtonAction } from '../custom-id.ts';
import { DISCORD_LIMITS, truncate } from '../discord-limits.ts';
import type { ViewButton } from './message-view.ts';

/**
 * The buttons under a finished result, within Discord's 5 action rows of 5 buttons.
 * Every custom_id is `cc:<action>:<jobId>[:<image>]` (src/custom-id.ts), so a button on a
 * message from before a restart still finds its job.
 *
 * One image:                                      A batch (2–4 images):
 *   [🎲 Reroll] [🔀 Vary] [🔍 Upscale] [🗑️ Delete]   [🎲 Reroll] [🗑️ Delete]
 *   [Zoom Out 1.5×] [Zoom Out 2×] [Custom Zoom]      [U1] [U2] [U3] [U4]
 *     [Make Square] [🖌️ Vary (Region)]                [V1] [V2] [V3] [V4]
 *   [⬅️] [➡️] [⬆️] [⬇️]                                [✏️ 1] [✏️ 2] [✏️ 3] [✏️ 4]
 *
 * A batch's ✏️ n opens, for the clicker alone, image n's own edit rows (editRows), so
 * every image of a batch has its Vary (Region), Zoom Out, Make Square and Pan.
 */

/** Images of a batch that get their own buttons (one row holds five). */
export const MAX_IMAGE_BUTTONS = 4;

function button(jobId: string, action: ButtonAction, label: string, style: ViewButton['style'], emoji?: string, imageIndex: number | null = null): ViewButton {
  return {
    customId: buildCustomId({ action, jobId, imageIndex }),
    label: truncate(label, DISCORD_LIMITS.buttonLabel),
    style,
    ...(emoji === undefined ? {} : { emoji }),
  };
}

/** Zoom Out, Make Square, Vary (Region) and Pan for one image: two rows. */
export function editRows(jobId: string, index: number): ViewButton[][] {
  const b = (action: ButtonAction, label: string, emoji?: string) => button(jobId, action, label, 'secondary', emoji, index);
  return [
    [b('zoom15', 'Zoom Out 1.5×', '🔎'), b('zoom2', 'Zoom Out 2×', '🔎'), b('zoomc', 'Custom Zoom', '🔧'), b('square', 'Make Square', '⬛'), b('varyr', 'Vary (Region)', '🖌️')],
    [b('panl', 'Pan', '⬅️'), b('panr', 'Pan', '➡️'), b('panu', 'Pan', '⬆️'), b('pand', 'Pan', '⬇️')],
  ];
}

/**
 * `stills`: the indexes of the result's still images, the only ones Vary, Upscale and
 * the edits take (an animation, a video or a sound gets Reroll only); default: all.
 */
export function resultButtons(jobId: string, imageCount: number, stills?: readonly number[]): ViewButton[][] {
  const reroll = button(jobId, 'reroll', 'Reroll', 'primary', '🎲');
  const remove = button(jobId, 'delete', 'Delete', 'danger', '🗑️');
  const indexes = (stills ?? Array.from({ length: Math.max(1, imageCount) }, (_, i) => i)).slice(0, MAX_IMAGE_BUTTONS);
  const [only] = indexes;
  if (only === undefined) return [[reroll, remove]];
  if (indexes.length === 1) {
    return [[reroll, button(jobId, 'vary', 'Vary', 'secondary', '🔀', only), button(jobId, 'upscale', 'Upscale', 'secondary', '🔍', only), remove], ...editRows(jobId, only)];
  }
  return [
    [reroll, remove],
    indexes.map((i) => button(jobId, 'upscale', `U${i + 1}`, 'secondary', undefined, i)),
    indexes.map((i) => button(jobId, 'vary', `V${i + 1}`, 'secondary', undefined, i)),
    indexes.map((i) => button(jobId, 'edits', `${i + 1}`, 'secondary', '✏️', i)),
  ];
}
