import type {
  APIActionRowComponent,
  APIButtonComponentWithCustomId,
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
} from 'discord.js';
import type { AccessConfig } from '../access/access-policy.ts';
import type { DmRoleSource } from '../access/dm-role-cache.ts';
import type { InputImages } from '../app/input-images.ts';
import type { JobIntake } from '../app/job-intake.ts';
import type { JobService } from '../app/job-service.ts';
import type { ServerPool } from '../app/server-pool.ts';
import type { Config } from '../config.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';
import type { ServerChoices, TemplateSet } from '../workflows/index.ts';
import type { JobReplies } from '../discord/job-replies.ts';
import type { ChannelSettingsStore } from '../store/channel-settings.ts';

/** What command modules may use; passed explicitly from bot.ts, no globals. */
export interface CommandContext {
  config: Config;
  access: AccessConfig;
  /** The roles a DM's user holds in the bot's guilds (looked up, remembered for minutes). */
  dmRoles: DmRoleSource;
  logger: Logger;
  templates: TemplateSet;
  jobs: JobService;
  /** How a command's request becomes a queued job: checks, save, deferral, download, queue. */
  intake: JobIntake;
  scheduler: Scheduler;
  store: JobStore;
  pool: ServerPool;
  inputs: InputImages;
  replies: JobReplies;
  /** Server-side choice lists (checkpoints, samplers…) for autocomplete and validation. */
  choices: ServerChoices;
  /** Per-channel defaults admins set with /settings. */
  settings: ChannelSettingsStore;
  /** Downloads an attachment under the configured host list and byte cap. */
  download(url: string): Promise<Buffer>;
  /** One image's edit buttons (Zoom Out, Make Square, Pan), as a batch's ✏️ n shows them. */
  editRows(jobId: string, index: number): APIActionRowComponent<APIButtonComponentWithCustomId>[];
}

export interface SlashCommand {
  readonly name: string;
  execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, context: CommandContext): Promise<void>;
}

export interface MessageMenuCommand {
  readonly name: string;
  execute(interaction: MessageContextMenuCommandInteraction, context: CommandContext): Promise<void>;
}

/** Handles modals whose custom_id starts with `prefix:`. */
export interface ModalHandler {
  readonly prefix: string;
  execute(interaction: ModalSubmitInteraction, context: CommandContext): Promise<void>;
}

export interface ButtonHandler {
  execute(interaction: ButtonInteraction, context: CommandContext): Promise<void>;
}

/** Every handler of the bot, as the interaction router takes them. */
export interface CommandTable {
  slash: SlashCommand[];
  messageMenus: MessageMenuCommand[];
  modals: ModalHandler[];
  buttons: ButtonHandler;
}
