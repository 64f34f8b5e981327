import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type SlashCommandStringOption,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { CANONICAL_OPTIONS, MAX_SEED, PROMPT_MAX_LENGTH, ROLE_USES, roleSettingName, SETTABLE_ROLES, type TemplateSet } from '../workflows/index.ts';

/** Names of every command; one module in src/commands/ answers each. */
export const COMMAND_NAMES = {
  imagine: 'imagine',
  img2img: 'img2img',
  animate: 'animate',
  inpaint: 'inpaint',
  edit: 'edit',
  remix: 'Remix',
  templates: 'templates',
  queue: 'queue',
  cancel: 'cancel',
  comfy: 'comfy',
  show: 'show',
  history: 'history',
  settings: 'settings',
} as const;

export const MAX_COUNT = 4;

/** Widest bounds any template gives an option, so Discord's client refuses only what no template takes. */
export function optionBounds(templates: TemplateSet, name: string): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const template of templates.list()) {
    const option = template.options.find((candidate) => candidate.name === name);
    if (option?.min !== undefined) min = Math.min(min, option.min);
    if (option?.max !== undefined) max = Math.max(max, option.max);
  }
  return Number.isFinite(min) && Number.isFinite(max) ? { min, max } : null;
}

// Video options take the standard options' bounds (src/workflows/canonical-options.ts), in /imagine and /animate alike.
const LENGTH = CANONICAL_OPTIONS.length;
const FPS = CANONICAL_OPTIONS.fps;

/** /settings' `scope`: a channel's own defaults (the default), or its server's, which every channel without its own takes. */
function scopeOption(option: SlashCommandStringOption): SlashCommandStringOption {
  return option
    .setName('scope')
    .setDescription('channel: this channel only (default); server: every channel of this server without its own')
    .addChoices({ name: 'channel', value: 'channel' }, { name: 'server', value: 'server' });
}

/** /edit: an instruction edit with up to two more reference images, by the edit template (workflows/edit.json). */
function editDefinition(where: InteractionContextType[]): SlashCommandBuilder {
  const builder = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.edit)
    .setDescription('Change an image by instruction, with up to two more reference images')
    .setContexts(where);
  builder
    .addStringOption((o) => o.setName('prompt').setDescription('What to change, e.g. "make it night"').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addAttachmentOption((o) => o.setName('image').setDescription('The image to change').setRequired(true))
    .addAttachmentOption((o) => o.setName('image2').setDescription('A second reference image'))
    .addAttachmentOption((o) => o.setName('image3').setDescription('A third reference image'))
    .addStringOption((o) => o.setName('template').setDescription('Edit template').setAutocomplete(true).setMaxLength(100))
    .addIntegerOption((o) => o.setName('seed').setDescription('Noise seed').setMinValue(0).setMaxValue(MAX_SEED));
  return builder;
}

/** /animate: an image set moving by the animate template (workflows/animate.json). */
function animateDefinition(where: InteractionContextType[]): SlashCommandBuilder {
  const builder = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.animate)
    .setDescription('Make a short video from an image and a prompt')
    .setContexts(where);
  builder
    .addAttachmentOption((o) => o.setName('image').setDescription('The first frame').setRequired(true))
    .addStringOption((o) => o.setName('prompt').setDescription('How it should move').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('negative').setDescription('What to avoid').setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('template').setDescription('Workflow template').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('size').setDescription('WIDTHxHEIGHT, e.g. 832x480').setAutocomplete(true).setMaxLength(20))
    .addIntegerOption((o) => o.setName('length').setDescription('Frames').setMinValue(LENGTH.min).setMaxValue(LENGTH.max))
    .addNumberOption((o) => o.setName('fps').setDescription('Frames per second').setMinValue(FPS.min).setMaxValue(FPS.max))
    .addIntegerOption((o) => o.setName('seed').setDescription('Noise seed').setMinValue(0).setMaxValue(MAX_SEED));
  return builder;
}

/** /inpaint: repaint the part of an image a mask marks, by the inpaint template (workflows/inpaint.json). */
function inpaintDefinition(where: InteractionContextType[], templates: TemplateSet): SlashCommandBuilder {
  const grow = optionBounds(templates, 'grow') ?? { min: 0, max: 256 };
  const builder = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.inpaint)
    .setDescription('Repaint the part of an image that a mask marks (white, or erased to transparent)')
    .setContexts(where);
  builder
    .addAttachmentOption((o) => o.setName('image').setDescription('The image to change').setRequired(true))
    .addAttachmentOption((o) => o.setName('mask').setDescription('Same shape as the image: white = change, black = keep (or the region erased)').setRequired(true))
    .addStringOption((o) => o.setName('prompt').setDescription('What the marked part should show').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('template').setDescription('Inpaint template').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('negative').setDescription('What to avoid').setMaxLength(PROMPT_MAX_LENGTH))
    .addIntegerOption((o) => o.setName('grow').setDescription('Pixels the marked part grows by, to blend in').setMinValue(grow.min).setMaxValue(grow.max))
    .addIntegerOption((o) => o.setName('seed').setDescription('Noise seed').setMinValue(0).setMaxValue(MAX_SEED));
  return builder;
}

function contexts(allowDms: boolean): InteractionContextType[] {
  return allowDms ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild];
}

/** The JSON registered with Discord; limits come from the loaded templates' bindings. */
export function buildCommandDefinitions(templates: TemplateSet, options: { allowDms: boolean }): RESTPostAPIApplicationCommandsJSONBody[] {
  const where = contexts(options.allowDms);
  const steps = optionBounds(templates, 'steps') ?? { min: 1, max: 150 };
  const cfg = optionBounds(templates, 'cfg') ?? { min: 0, max: 30 };
  const count = Math.min(MAX_COUNT, optionBounds(templates, 'batch')?.max ?? 1);

  const imagine = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.imagine)
    .setDescription('Make an image from a text prompt (attach an image to change it instead)')
    .setContexts(where)
    .addStringOption((o) => o.setName('prompt').setDescription('What to make').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('negative').setDescription('What to avoid').setMaxLength(PROMPT_MAX_LENGTH))
    .addStringOption((o) => o.setName('template').setDescription('Workflow template').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('size').setDescription('WIDTHxHEIGHT, e.g. 1024x768, or a preset').setAutocomplete(true).setMaxLength(20))
    .addIntegerOption((o) => o.setName('seed').setDescription('Noise seed (same seed, same image)').setMinValue(0).setMaxValue(MAX_SEED))
    .addIntegerOption((o) => o.setName('steps').setDescription('Sampling steps').setMinValue(steps.min).setMaxValue(steps.max))
    .addNumberOption((o) => o.setName('cfg').setDescription('Prompt strength (CFG)').setMinValue(cfg.min).setMaxValue(cfg.max))
    .addIntegerOption((o) => o.setName('count').setDescription('Number of images').setMinValue(1).setMaxValue(Math.max(1, count)))
    .addAttachmentOption((o) => o.setName('image').setDescription('An image to start from (img2img)'))
    .addNumberOption((o) => o.setName('strength').setDescription('How much to change the image (0-1)').setMinValue(0).setMaxValue(1))
    .addStringOption((o) => o.setName('checkpoint').setDescription('Model checkpoint on the server').setAutocomplete(true).setMaxLength(255))
    .addStringOption((o) => o.setName('sampler').setDescription('Sampler').setAutocomplete(true).setMaxLength(100))
    .addIntegerOption((o) => o.setName('length').setDescription('Frames (video templates)').setMinValue(LENGTH.min).setMaxValue(LENGTH.max))
    .addNumberOption((o) => o.setName('fps').setDescription('Frames per second (video templates)').setMinValue(FPS.min).setMaxValue(FPS.max));

  const img2img = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.img2img)
    .setDescription('Change an image with a prompt')
    .setContexts(where)
    .addAttachmentOption((o) => o.setName('image').setDescription('The image to start from').setRequired(true))
    .addStringOption((o) => o.setName('prompt').setDescription('What it should become').setRequired(true).setMaxLength(PROMPT_MAX_LENGTH))
    .addNumberOption((o) => o.setName('strength').setDescription('How much to change it (0-1)').setMinValue(0).setMaxValue(1))
    .addStringOption((o) => o.setName('template').setDescription('Workflow template').setAutocomplete(true).setMaxLength(100))
    .addStringOption((o) => o.setName('negative').setDescription('What to avoid').setMaxLength(PROMPT_MAX_LENGTH))
    .addIntegerOption((o) => o.setName('seed').setDescription('Noise seed').setMinValue(0).setMaxValue(MAX_SEED));

  const animate = animateDefinition(where);
  const inpaint = inpaintDefinition(where, templates);
  const edit = editDefinition(where);

  const remix = new ContextMenuCommandBuilder().setName(COMMAND_NAMES.remix).setType(ApplicationCommandType.Message).setContexts(where);

  const templatesCommand = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.templates)
    .setDescription('List the workflow templates and their options')
    .setContexts(where)
    .addStringOption((o) => o.setName('template').setDescription('Show one template in detail').setAutocomplete(true).setMaxLength(100));

  const queue = new SlashCommandBuilder().setName(COMMAND_NAMES.queue).setDescription('Your jobs, their places in line, and the servers').setContexts(where);

  const cancel = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.cancel)
    .setDescription('Cancel one of your jobs (admins: anyone\'s)')
    .setContexts(where)
    .addStringOption((o) => o.setName('job').setDescription('The job (your latest when empty)').setAutocomplete(true).setMaxLength(64));

  const comfy = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.comfy)
    .setDescription('ComfyUI server administration')
    .setContexts([InteractionContextType.Guild])
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => s.setName('status').setDescription('Servers: health, queue, VRAM'));

  const show = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.show)
    .setDescription('Bring back a job\'s result and buttons')
    .setContexts(where)
    .addStringOption((o) => o.setName('job').setDescription('Job id').setRequired(true).setAutocomplete(true).setMaxLength(64));

  const history = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.history)
    .setDescription('Your recent jobs (admins: anyone\'s)')
    .setContexts(where)
    .addUserOption((o) => o.setName('user').setDescription('Whose history (admins only)'));

  // Template names as fixed choices: /settings has no autocomplete handler, and 25 choices cover any sane folder.
  const templateChoices = templates.names().slice(0, 25).map((name) => ({ name: name.slice(0, 100), value: name.slice(0, 100) }));
  const settings = new SlashCommandBuilder()
    .setName(COMMAND_NAMES.settings)
    .setDescription('Defaults for new jobs in this channel or the whole server (admins)')
    .setContexts([InteractionContextType.Guild])
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => s.setName('show').setDescription('Show the defaults in force here, or the server\'s').addStringOption(scopeOption))
    .addSubcommand((s) => {
      const set = s
        .setName('set')
        .setDescription('Set defaults for new jobs in this channel, or in every channel of the server')
        .addStringOption(scopeOption)
        .addStringOption((o) => {
          o.setName('template').setDescription('Default template').setMaxLength(100);
          return templateChoices.length > 0 && templates.size <= 25 ? o.addChoices(...templateChoices) : o;
        })
        .addStringOption((o) => o.setName('size').setDescription('Default size, WIDTHxHEIGHT or a preset').setMaxLength(20))
        .addIntegerOption((o) => o.setName('steps').setDescription('Default sampling steps').setMinValue(steps.min).setMaxValue(steps.max))
        .addBooleanOption((o) => o.setName('spoiler').setDescription('Post results as spoilers'));
      for (const role of SETTABLE_ROLES) {
        const ofRole = templates.list().filter((template) => template.role === role).slice(0, 25);
        set.addStringOption((o) => {
          o.setName(roleSettingName(role)).setDescription(`Template for ${ROLE_USES[role]} here`).setMaxLength(100);
          return ofRole.length > 0 ? o.addChoices(...ofRole.map((template) => ({ name: template.name.slice(0, 100), value: template.name.slice(0, 100) }))) : o;
        });
      }
      return set;
    })
    .addSubcommand((s) => s.setName('clear').setDescription('Remove this channel\'s defaults, or the server\'s').addStringOption(scopeOption));

  return [imagine, img2img, animate, edit, inpaint, remix, templatesCommand, queue, cancel, comfy, show, history, settings].map((builder) => builder.toJSON());
}
