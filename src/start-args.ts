import { InputError } from './errors.ts';

export interface StartArgs {
  /** `--new-store`: start even when DATA_DIR's database is missing, empty, new or another store. */
  newStore: boolean;
}

/** The bot's own command line (`npm start -- …`, `./run start …`): a typo is refused, not ignored. */
export function parseStartArgs(args: readonly string[]): StartArgs {
  let newStore = false;
  for (const arg of args) {
    if (arg === '--new-store') newStore = true;
    else throw new InputError(`unknown option '${arg}' (the bot takes only --new-store; settings come from the environment and .env)`);
  }
  return { newStore };
}
