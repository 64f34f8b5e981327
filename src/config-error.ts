import { ComfycordError } from './errors.ts';
import type { BaseErrorCode } from './error-codes.ts';

/** Configuration that cannot work, with one line per problem, each naming its variable. */
export class ConfigError extends ComfycordError<BaseErrorCode> {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      context: { problems },
    });
    this.problems = problems;
  }
}
