import { ComfycordError, type LogContext } from '../errors.ts';
import type { WorkflowErrorCode } from './error-codes.ts';

/** A template name nobody installed. */
export class TemplateUnknownError extends ComfycordError<WorkflowErrorCode> {
  constructor(name: string, available: readonly string[]) {
    super('TEMPLATE_UNKNOWN', `there is no template '${name}'; available: ${available.join(', ') || '(none)'}`, { context: { template: name } });
  }
}

/** Option names the template does not declare: a user never reaches an input it does not expose. */
export class OptionUnknownError extends ComfycordError<WorkflowErrorCode> {
  constructor(template: string, unknown: readonly string[], known: readonly string[]) {
    super(
      'OPTION_UNKNOWN',
      `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')} for template '${template}'; its options are: ${known.join(', ') || '(none)'}`,
      { context: { template, unknown } },
    );
  }
}

/** A required option left out, with no default to fall back on. */
export class OptionRequiredError extends ComfycordError<WorkflowErrorCode> {
  constructor(template: string, option: string) {
    super('OPTION_REQUIRED', `${option} is required for template '${template}'`, { context: { template, option } });
  }
}

/** A value outside what the option takes (type, range, length, choices); the message says which. */
export class OptionInvalidError extends ComfycordError<WorkflowErrorCode> {
  constructor(userMessage: string, context: LogContext) {
    super('OPTION_INVALID', userMessage, { context });
  }
}
