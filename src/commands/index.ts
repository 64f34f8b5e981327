import type { RouterTable } from '../discord/interaction-router.ts';
import { img2imgCommand, imagineCommand } from './imagine.ts';

/**
 * Every command the bot answers, listed by hand: a module that fails to compile or
 * is forgotten here is a build error or a visible gap, never a silently dropped file.
 */
export function commandTable(): RouterTable {
  return {
    slash: [imagineCommand, img2imgCommand],
    messageMenus: [],
    modals: [],
    buttons: { execute: async () => undefined },
  };
}
