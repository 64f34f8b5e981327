import { ComfycordError } from '../errors.ts';
import type { CommandErrorCode } from './error-codes.ts';
import type { ChannelSettings } from '../store/channel-settings.ts';
import { checkOptionValue, findOption, type Template } from '../workflows/index.ts';

/**
 * An admin's per-channel defaults (/settings) fill what the user left out: the
 * template, size and steps; what the user typed always wins. `takes` says which options
 * the job's template has: a size default means nothing to a template without width and
 * height (an edit's result follows its image), and would otherwise be refused as unknown.
 */
export function withChannelDefaults(
  template: string | null,
  options: Record<string, string | number | boolean>,
  settings: ChannelSettings,
  takes: (option: string) => boolean = () => true,
): { template: string | null; options: Record<string, string | number | boolean> } {
  const filled = { ...options };
  if (settings.size && filled['width'] === undefined && filled['height'] === undefined && takes('width') && takes('height')) {
    filled['width'] = settings.size.width;
    filled['height'] = settings.size.height;
  }
  if (settings.steps !== undefined && filled['steps'] === undefined && takes('steps')) filled['steps'] = settings.steps;
  return { template: template ?? settings.template ?? null, options: filled };
}

type DefaultKey = 'size' | 'steps';

/**
 * Why `template` refuses the channel's size or steps (the command's own rules:
 * checkOptionValue on the template's option), or null. `skip` names what the user typed,
 * which the default would not fill.
 */
export function defaultProblem(settings: ChannelSettings, template: Template, skip: ReadonlySet<DefaultKey> = new Set()): { key: DefaultKey; reason: string } | null {
  const values: Array<[DefaultKey, string, number]> = [];
  if (settings.size && !skip.has('size')) values.push(['size', 'width', settings.size.width], ['size', 'height', settings.size.height]);
  if (settings.steps !== undefined && !skip.has('steps')) values.push(['steps', 'steps', settings.steps]);
  for (const [key, name, value] of values) {
    const option = findOption(template, name);
    if (option === undefined) continue;
    const check = checkOptionValue(option, value);
    if (!check.ok) return { key, reason: check.message };
  }
  return null;
}

/** A stored default that is no longer valid (the template went, its bounds changed, an older bot stored it). */
export class StaleChannelDefaultError extends ComfycordError<CommandErrorCode> {
  constructor(key: string, reason: string) {
    super('CHANNEL_DEFAULT_STALE', `this channel's default ${key} is no longer valid; an admin can change it with \`/settings\` (${reason})`, { context: { setting: key, reason } });
  }
}

export interface DefaultsCheck {
  settings: ChannelSettings;
  /** The template the user named, or null. */
  asked: string | null;
  options: Readonly<Record<string, unknown>>;
  templateNamed(name: string): Template | undefined;
  /** The template used when neither the user nor the channel names one. */
  fallback(): Template;
}

/** Throws StaleChannelDefaultError for the first channel default this job would use that is no longer valid. */
export function assertChannelDefaultsValid(check: DefaultsCheck): void {
  const { settings, asked } = check;
  let template: Template | undefined;
  if (asked !== null) template = check.templateNamed(asked);
  else if (settings.template !== undefined) {
    template = check.templateNamed(settings.template);
    if (template === undefined) throw new StaleChannelDefaultError('template', `there is no template '${settings.template}' any more`);
  } else template = check.fallback();
  // An unknown template the user typed is their mistake: JobService says so in its own words.
  if (template === undefined) return;
  const skip = new Set<DefaultKey>();
  if (check.options['width'] !== undefined || check.options['height'] !== undefined) skip.add('size');
  if (check.options['steps'] !== undefined) skip.add('steps');
  const problem = defaultProblem(settings, template, skip);
  if (problem) throw new StaleChannelDefaultError(problem.key, problem.reason);
}
