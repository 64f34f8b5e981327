import { ComfycordError } from './errors.ts';

/** Configuration that cannot work, with one line per problem, each naming its variable. */
export class ConfigError extends ComfycordError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      context: { problems },
    });
    this.problems = problems;
  }
}
