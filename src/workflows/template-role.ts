import { TEMPLATE_ROLES, type OptionType, type TemplateKind, type TemplateRole } from './template.ts';

/**
 * The roles of TEMPLATE_ROLES (src/workflows/template.ts) seen from the commands' and buttons' side: Zoom Out wants an
 * `outpaint` template, Vary (Region) an `inpaint` one, /edit an `edit` one. Each role
 * names the options (bindings) its caller fills, so a template that claims a role but
 * cannot take what the button sends is refused when it loads, not on the GPU.
 */

export interface RoleBinding {
  readonly name: string;
  readonly types: readonly OptionType[];
  /** Required bindings must exist; optional ones, when present, must have the type. */
  readonly required: boolean;
}

const TEXT: readonly OptionType[] = ['text', 'string'];
const INT: readonly OptionType[] = ['int'];
const IMAGE: readonly OptionType[] = ['image'];

const need = (name: string, types: readonly OptionType[]): RoleBinding => ({ name, types, required: true });
const may = (name: string, types: readonly OptionType[]): RoleBinding => ({ name, types, required: false });

/** The bindings each role's caller writes (the pads are computed by the bot from the image's size). */
export const ROLE_BINDINGS: Readonly<Record<TemplateRole, readonly RoleBinding[]>> = {
  generate: [need('prompt', TEXT)],
  img2img: [need('image', IMAGE), need('prompt', TEXT)],
  edit: [need('image', IMAGE), need('prompt', TEXT), may('image2', IMAGE), may('image3', IMAGE)],
  inpaint: [need('image', IMAGE), need('mask', IMAGE), need('prompt', TEXT)],
  outpaint: [
    need('image', IMAGE),
    need('prompt', TEXT),
    need('pad_left', INT),
    need('pad_top', INT),
    need('pad_right', INT),
    need('pad_bottom', INT),
    may('feather', INT),
  ],
  upscale: [need('image', IMAGE)],
  // /imagine template:video and /animate fill these; length and fps stay the template's own.
  video: [need('prompt', TEXT)],
  animate: [need('image', IMAGE), need('prompt', TEXT)],
  other: [],
};

/** The role a template has when its file names none: what its kind has always meant. */
const ROLE_OF_KIND: Readonly<Record<TemplateKind, TemplateRole>> = {
  txt2img: 'generate',
  img2img: 'img2img',
  inpaint: 'inpaint',
  upscale: 'upscale',
  guided: 'edit',
  other: 'other',
};

export function roleOfKind(kind: TemplateKind): TemplateRole {
  return ROLE_OF_KIND[kind];
}

export function isTemplateRole(value: unknown): value is TemplateRole {
  return typeof value === 'string' && (TEMPLATE_ROLES as readonly string[]).includes(value);
}

/**
 * What a template lacks for `role`, one sentence per binding, e.g. `an outpaint template
 * needs option "pad_left" (int)`; empty when it has everything.
 */
export function roleProblems(role: TemplateRole, options: ReadonlyArray<{ name: string; type: OptionType }>): string[] {
  const problems: string[] = [];
  const article = /^[aeiou]/.test(role) ? 'an' : 'a';
  for (const binding of ROLE_BINDINGS[role]) {
    const option = options.find((candidate) => candidate.name === binding.name);
    const types = binding.types.join(' or ');
    if (option === undefined) {
      if (binding.required) problems.push(`${article} ${role} template needs option "${binding.name}" (${types})`);
    } else if (!binding.types.includes(option.type)) {
      problems.push(`${article} ${role} template's option "${binding.name}" must be ${types}, not ${option.type}`);
    }
  }
  return problems;
}

/** Roles an admin may give their own template per channel with `/settings set <role>_template:`. */
export const SETTABLE_ROLES = ['img2img', 'edit', 'inpaint', 'outpaint', 'upscale'] as const satisfies readonly TemplateRole[];
export type SettableRole = (typeof SETTABLE_ROLES)[number];

/** What each settable role's template is used for, as /settings describes it. */
export const ROLE_USES: Readonly<Record<SettableRole, string>> = {
  img2img: 'Vary and Remix',
  edit: '/edit',
  inpaint: 'Vary (Region) and /inpaint',
  outpaint: 'Zoom Out, Pan and Make Square',
  upscale: 'Upscale',
};

export function roleSettingName(role: SettableRole): string {
  return `${role}_template`;
}
