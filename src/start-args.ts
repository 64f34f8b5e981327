import { ComfycordError } from './errors.ts';
import type { BaseErrorCode } from './error-codes.ts';

/** An option the bot's own command line does not take. */
export class StartOptionError extends ComfycordError<BaseErrorCode> {
  constructor(arg: string) {
    super('START_OPTION_UNKNOWN', `unknown option '${arg}' (the bot takes only --new-store; settings come from the environment and .env)`, { context: { arg } });
  }
}

export interface StartArgs {
  /** `--new-store`: start even when DATA_DIR's database is missing, empty, new or another store. */
  newStore: boolean;
}

/** The bot's own command line (`npm start -- …`, `./run start …`): a typo is refused, not ignored. */
export function parseStartArgs(args: readonly string[]): StartArgs {
  let newStore = false;
  for (const arg of args) {
    if (arg === '--new-store') newStore = true;
    else throw new StartOptionError(arg);
  }
  return { newStore };
}
