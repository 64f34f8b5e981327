import { buttonHandler, varyRegionModalHandler, zoomModalHandler } from './buttons.ts';
import { cancelCommand } from './cancel.ts';
import type { CommandTable } from './command-context.ts';
import { comfyCommand } from './comfy-status.ts';
import { historyCommand } from './history.ts';
import { animateCommand, editCommand, img2imgCommand, imagineCommand, inpaintCommand } from './imagine.ts';
import { queueCommand } from './queue.ts';
import { createRemix } from './remix.ts';
import { RemixStash } from './remix-stash.ts';
import { settingsCommand } from './settings.ts';
import { showCommand } from './show.ts';
import { templatesCommand } from './templates.ts';

/**
 * Every command the bot answers, listed by hand: a module that fails to compile or
 * is forgotten here is a build error or a visible gap, never a silently dropped file.
 * State a command needs across interactions (the Remix stash) is created here, once
 * per table, never at module level.
 */
export function commandTable(options: { remixStash?: RemixStash } = {}): CommandTable {
  const remix = createRemix(options.remixStash ?? new RemixStash());
  return {
    slash: [imagineCommand, img2imgCommand, animateCommand, editCommand, inpaintCommand, templatesCommand, queueCommand, cancelCommand, comfyCommand, showCommand, historyCommand, settingsCommand],
    messageMenus: [remix.menu],
    modals: [remix.modal, zoomModalHandler, varyRegionModalHandler],
    buttons: buttonHandler,
  };
}
