// Builds the bot into one JavaScript file, dist/bot.mjs, that plain node runs.
//
// Why: the bot is a long-running service, and running its TypeScript through tsx keeps a
// loader thread (a second V8 isolate) and every transformed module in memory for the
// bot's whole life: ~17 MB of resident memory and ~8 MB of heap at idle (issue 12.2,
// figures in bench/README.md). esbuild strips the types once, in ~0.1 s, so `./run
// start` and `npm start` build on every start and the bundle is never stale.
// Packages stay outside the bundle (node_modules resolves them as usual); only src/ is
// joined. The CLI keeps running through tsx (bin/comfycord.js): it lives for seconds.
//
//   node scripts/build-bot.mjs                 src/bot.ts -> dist/bot.mjs
//   buildBundle(entry, outfile)                the same for another entry (the benchmarks)
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bot's bundle, as the start command runs it. */
export const BOT_BUNDLE = join(ROOT, 'dist', 'bot.mjs');

/**
 * Bundles `entry` (a .ts file of this repo) into `outfile` with a linked source map.
 * Written under a temporary name and renamed, so a process starting from the old bundle
 * while another start rebuilds it never reads half a file.
 */
export async function buildBundle(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    write: false,
    logLevel: 'error',
  });
  mkdirSync(dirname(outfile), { recursive: true });
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // The map first: the bundle's last line names it, so it must be there once the bundle is.
  const ordered = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.mjs')) - Number(b.path.endsWith('.mjs')));
  for (const file of ordered) {
    writeFileSync(file.path + suffix, file.contents);
    renameSync(file.path + suffix, file.path);
  }
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await buildBundle(join(ROOT, 'src', 'bot.ts'), BOT_BUNDLE);
  } catch (error) {
    process.stderr.write(`Could not build ${relative(process.cwd(), BOT_BUNDLE)} from src/bot.ts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
