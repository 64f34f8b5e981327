import type { ApiGraph, InputRef } from './graph.ts';

/** What a template does; commands use it to pick templates (an Upscale button wants `upscale`). */
export const TEMPLATE_KINDS = ['txt2img', 'img2img', 'inpaint', 'upscale', 'guided', 'other'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** What commands and buttons use a template for; the bindings each needs are in src/workflows/template-role.ts. */
export const TEMPLATE_ROLES = ['generate', 'img2img', 'edit', 'inpaint', 'outpaint', 'upscale', 'video', 'animate', 'other'] as const;
export type TemplateRole = (typeof TEMPLATE_ROLES)[number];

export const OPTION_TYPES = ['string', 'text', 'int', 'float', 'seed', 'choice', 'bool', 'image'] as const;
export type OptionType = (typeof OPTION_TYPES)[number];

/** A value as it is written into the graph (a seed is a number by then; "random" is drawn first). */
export type OptionValue = string | number | boolean;

/** Where an option's choices come from on the server: the combo list of one node input in /object_info. */
export interface ChoicesFrom {
  readonly class: string;
  readonly input: string;
}

export interface TemplateOption {
  readonly name: string;
  readonly type: OptionType;
  readonly description: string;
  /** Required options have no default; every other option has one (see README: defaults). */
  readonly required: boolean;
  /** A seed's default may be "random": drawn per job and recorded. */
  readonly default?: OptionValue | 'random';
  readonly min?: number;
  readonly max?: number;
  /** Length cap for `text` / `string` / `image` / `choice` values, in UTF-16 code units. */
  readonly maxLength?: number;
  readonly choices?: readonly string[];
  readonly choicesFrom?: ChoicesFrom;
  readonly targets: readonly InputRef[];
}

export interface Template {
  /** From the file name: without `.json`, made plain (src/workflows/template-name.ts). */
  readonly name: string;
  /** The file it came from, as given to the loader (for messages). */
  readonly file: string;
  readonly description: string;
  readonly kind: TemplateKind;
  /** What commands and buttons use it for (src/workflows/template-role.ts); from `role`, else from the kind. */
  readonly role: TemplateRole;
  /** `declared`: the file lists its bindings; `detected`: a raw "Save (API)" graph bound by detection. */
  readonly source: 'declared' | 'detected';
  /** In file order. */
  readonly options: readonly TemplateOption[];
  /** Deep-frozen; rendering works on a clone. */
  readonly graph: ApiGraph;
  /** What detection noticed but did not bind, and a kind's role the template could not fill. */
  readonly notes: readonly string[];
  /** The largest width or height its result may have (an outpaint frame is capped to it); default 2048 where it matters. */
  readonly maxSize?: number;
  /** This template's stall limit (no progress this long: interrupted); default STALL_SECONDS. */
  readonly stallSeconds?: number;
  /** This template's deadline, from when the job went to a server; default JOB_TIMEOUT_SECONDS. */
  readonly timeoutSeconds?: number;
}

/** An option as the CLI and Discord list it: no graph internals. */
export type OptionListing = Omit<TemplateOption, 'targets'>;

export function listOptions(template: Template): OptionListing[] {
  return template.options.map((option) => {
    const { targets: _targets, ...listing } = option;
    return listing;
  });
}

export function findOption(template: Template, name: string): TemplateOption | undefined {
  return template.options.find((option) => option.name === name);
}
