import { buildBotBundle } from './bot-command.ts';

/**
 * vitest globalSetup: dist/bot.mjs built from this checkout's src/ before any test
 * starts the bot as a process (test/bot/bot-child.ts, test/bot/bot-process.ts), so
 * they run what the start command runs, never an older bundle.
 */
export async function setup(): Promise<void> {
  await buildBotBundle();
}
