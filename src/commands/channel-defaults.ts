import type { ChannelSettings } from '../store/channel-settings.ts';

/**
 * An admin's per-channel defaults (/settings) fill what the user left out: the
 * template, size and steps; what the user typed always wins.
 */
export function withChannelDefaults(
  template: string | null,
  options: Record<string, string | number | boolean>,
  settings: ChannelSettings,
): { template: string | null; options: Record<string, string | number | boolean> } {
  const filled = { ...options };
  if (settings.size && filled['width'] === undefined && filled['height'] === undefined) {
    filled['width'] = settings.size.width;
    filled['height'] = settings.size.height;
  }
  if (settings.steps !== undefined && filled['steps'] === undefined) filled['steps'] = settings.steps;
  return { template: template ?? settings.template ?? null, options: filled };
}
