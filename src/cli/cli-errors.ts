import { ComfycordError } from '../errors.ts';
import type { CliErrorCode } from './error-codes.ts';

/** A command line the CLI cannot follow: unknown option, missing value, extra argument. */
export class CliUsageError extends ComfycordError<CliErrorCode> {
  constructor(userMessage: string) {
    super('CLI_USAGE', userMessage);
  }
}

/** An --out folder or --image file that cannot be used; checked before anything runs on the GPU. */
export class CliPathError extends ComfycordError<CliErrorCode> {
  constructor(userMessage: string) {
    super('CLI_PATH', userMessage);
  }
}

/** The run finished but the template's graph saved nothing. */
export class CliNoImagesError extends ComfycordError<CliErrorCode> {
  constructor(template: string) {
    super('CLI_NO_IMAGES', `the run finished but template '${template}' produced no images, videos, sounds or text`, { context: { template } });
  }
}
