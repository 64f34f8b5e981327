import { ComfycordError, type LogContext } from '../errors.ts';
import type { CommandErrorCode } from './error-codes.ts';

/**
 * The refusals of the slash commands, buttons and modals that no other layer gives: each
 * its own code, so logs and tests tell a bad size from an empty prompt.
 */

/** Something only admins (Manage Server, or a role in ADMIN_ROLES) may do. */
export class AdminOnlyError extends ComfycordError<CommandErrorCode> {
  constructor(what: string, userId: string) {
    super('ADMIN_ONLY', `Only admins (Manage Server, or a role in ADMIN_ROLES) can ${what}.`, { context: { userId } });
  }
}

/** A job id typed by hand instead of picked from the autocomplete list. */
export class JobIdInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(userMessage: string) {
    super('JOB_ID_INVALID', userMessage);
  }
}

/** The job must end before this can be done. */
export class JobStillRunningError extends ComfycordError<CommandErrorCode> {
  constructor(jobId: string) {
    super('JOB_STILL_RUNNING', 'That job is still running: cancel it first.', { context: { jobId } });
  }
}

/** A subcommand Discord still shows from another version of the bot. */
export class SubcommandUnknownError extends ComfycordError<CommandErrorCode> {
  constructor(command: string, sub: string) {
    super('SUBCOMMAND_UNKNOWN', `/${command} ${sub} is not known to this bot version.`, { context: { command, sub } });
  }
}

/** /settings without anything to set. */
export class SettingsEmptyError extends ComfycordError<CommandErrorCode> {
  constructor(keys: readonly string[]) {
    super('SETTINGS_EMPTY', `give at least one of ${keys.join(', ')}`);
  }
}

/** A channel default the channel's template does not take. */
export class SettingInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(userMessage: string, context: LogContext) {
    super('SETTING_INVALID', userMessage, { context });
  }
}

/** A prompt (or negative prompt) typed into a modal that is empty or too long. */
export class PromptInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(userMessage: string) {
    super('PROMPT_INVALID', userMessage);
  }
}

/** A Remix strength that is not a number from 0 to 1. */
export class StrengthInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(typed: string) {
    super('STRENGTH_INVALID', `Strength must be a number from 0 to 1, such as 0.6 (or a percentage such as 60%); got '${typed.slice(0, 20)}'.`);
  }
}

/** A Remix form's Mode that is none of the choices the form offered (a submit is untrusted). */
export class RemixModeInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(picked: string) {
    super('REMIX_MODE_INVALID', 'That Remix mode is not one this bot offers: use Apps → Remix on the message again.', { context: { picked: picked.slice(0, 40) } });
  }
}

/** A size option that is not WIDTHxHEIGHT in multiples of 8, nor a preset. */
export class SizeInvalidError extends ComfycordError<CommandErrorCode> {
  constructor(userMessage: string) {
    super('SIZE_INVALID', userMessage);
  }
}

export class StaleButtonError extends ComfycordError<CommandErrorCode> {
  constructor(customId: string) {
    super('BUTTON_INVALID', 'This button is no longer valid.', { context: { customId: customId.slice(0, 100) } });
  }
}

/** A command that fills one role's bindings (/animate: animate) given a template of another role. */
export class TemplateWrongRoleError extends ComfycordError<CommandErrorCode> {
  constructor(command: string, template: string, wanted: string, actual: string) {
    super('TEMPLATE_WRONG_ROLE', `/${command} needs an ${wanted} template; '${template}' is a ${actual} template.`, { context: { command, template, wanted, actual } });
  }
}

/** A Vary (Region) form sent back without its file (the component asks for one; a client may still not send it). */
export class MaskMissingError extends ComfycordError<CommandErrorCode> {
  constructor() {
    super('MASK_MISSING', 'No mask came with the form: attach the mask as an image file (white = change, black = keep).');
  }
}
