import { join } from 'node:path';
import { BOT_BUNDLE, buildBundle } from '../../scripts/build-bot.mjs';
import { REPO_ROOT } from './repo-paths.ts';

/**
 * Exactly what `npm start` and `./run start` run after building dist/bot.mjs
 * (scripts/build-bot.mjs), relative to the repo: tests and benchmarks start the bot
 * the way users do. --max-semi-space-size=2 bounds V8's young generation (2 MB per
 * semi-space instead of growing to 16 MB): a burst of interactions and 8 MB downloads
 * otherwise grows it to its maximum and the RSS with it, ~50 MB of bench 8's growth
 * (bench/flood.ts); a scavenge of 2 MB costs well under 1 ms.
 */
export const BOT_NODE_ARGS = ['--max-semi-space-size=2', '--experimental-sqlite', 'dist/bot.mjs'] as const;

let built: Promise<string> | null = null;

/** Builds dist/bot.mjs from the current src/ once per process (the test run's global setup, a benchmark's start). */
export function buildBotBundle(): Promise<string> {
  built ??= buildBundle(join(REPO_ROOT, 'src', 'bot.ts'), BOT_BUNDLE);
  return built;
}
