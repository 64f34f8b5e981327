import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { startServer } from '../test/attachments/http-fixture.ts';
import { startBotChild } from '../test/bot/bot-child.ts';
import { buildBotBundle } from '../test/support/bot-command.ts';
import { BotHarness } from '../test/bot/harness.ts';
import { commandOption, uploadedAttachment } from '../test/support/discord-standin/index.ts';
import { judge, renderTable, type Benchmark, type TargetCheck } from './report.ts';

/**
 * Benchmark 8, one user's flood (issue 8 item 4): 60 parallel /img2img, each with an
 * 8 MB photo-like PNG, from one user whose limit is USER_MAX_PENDING=3. The bot runs
 * in its own process (`npm start`'s `node … dist/bot.mjs`, test/bot/bot-child.ts) so its RSS, read from
 * /proc every 20 ms, is its own. Targets: at most 3 downloads, at most 3 files kept in
 * DATA_DIR/inputs, the 57 others refused ephemerally, RSS growth ≤ 100 MB.
 *
 *   npx tsx bench/flood.ts        exit 1 when a target is missed
 */

const REQUESTS = 60;
const USER_MAX_PENDING = 3;
const IMAGE_BYTES = 8_000_000;
const EPHEMERAL = 64;

export interface FloodFigures {
  requests: number;
  imageBytes: number;
  deferred: number;
  refusedEphemeral: number;
  downloads: number;
  filesKept: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  wallMs: number;
}

/** A photo-like (incompressible) PNG of about `bytes` bytes. */
async function noisyPng(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

export async function runFlood(): Promise<FloodFigures> {
  const png = await noisyPng(IMAGE_BYTES);
  const cdn = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
  const h = await BotHarness.start({ deferStart: true, env: { USER_MAX_PENDING: String(USER_MAX_PENDING) } });
  await buildBotBundle();
  const bot = startBotChild(h.env);
  try {
    // The accepted jobs wait in line: what is measured is intake, not generation.
    h.comfy.pause();
    await bot.waitForLog('comfycord ready', 30_000);
    const rssBefore = (await bot.rss()) ?? Number.NaN;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => void bot.rss().then((rss) => (rssPeak = Math.max(rssPeak, rss ?? 0))), 20);
    const started = Date.now();
    try {
      const attachment = () => uploadedAttachment({ url: cdn.url('/attachments/1/2/photo.png'), filename: 'photo.png', contentType: 'image/png', size: png.length });
      const sent = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) => h.slash('img2img', [commandOption.attachment('image', attachment()), commandOption.string('prompt', `flood ${i}`)])),
      );
      const firsts = await Promise.all(sent.map((raw) => h.callback(raw, 30_000)));
      const bodies = firsts.map((r) => r.json as { type: number; data?: { flags?: number } });
      const deferred = sent.filter((_, i) => bodies[i]!.type === 5);
      // Each accepted job has its image downloaded, decoded and kept before it shows "Queued".
      for (const raw of deferred) await h.waitForEdit(raw, /Queued|Running/u, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return {
        requests: REQUESTS,
        imageBytes: png.length,
        deferred: deferred.length,
        refusedEphemeral: bodies.filter((b) => b.type === 4 && ((b.data?.flags ?? 0) & EPHEMERAL) !== 0).length,
        downloads: cdn.requests.length,
        filesKept: (await readdir(join(h.dataDir, 'inputs')).catch(() => [])).length,
        rssBeforeBytes: rssBefore,
        rssPeakBytes: rssPeak,
        wallMs: Date.now() - started,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await bot.kill();
    await h.stop();
    await cdn.close();
  }
}

const MB = 1e6;

export function floodTargets(f: FloodFigures): TargetCheck[] {
  const name = '8. flood';
  return [
    { ...judge(name, f.downloads, { atMost: USER_MAX_PENDING }), target: `downloads ≤ ${USER_MAX_PENDING}` },
    { ...judge(name, f.filesKept, { atMost: USER_MAX_PENDING }), target: `files kept ≤ ${USER_MAX_PENDING}` },
    {
      benchmark: name,
      target: `refused ephemerally = ${f.requests - USER_MAX_PENDING}`,
      measured: String(f.refusedEphemeral),
      met: f.refusedEphemeral === f.requests - USER_MAX_PENDING,
    },
    { ...judge(name, (f.rssPeakBytes - f.rssBeforeBytes) / MB, { atMost: 100 }, 'MB'), target: 'bot RSS growth ≤ 100 MB' },
  ];
}

export function floodTable(f: FloodFigures, targets: TargetCheck[]): string {
  return renderTable({
    title: `8. One user's flood (issue 8.4): ${f.requests} parallel /img2img of a ${(f.imageBytes / MB).toFixed(1)} MB PNG, USER_MAX_PENDING=${USER_MAX_PENDING}`,
    columns: ['target', 'measured', 'result'],
    rows: [[`deferred publicly = ${USER_MAX_PENDING}`, f.deferred, f.deferred === USER_MAX_PENDING ? 'PASS' : 'FAIL'], ...targets.map((t) => [t.target, t.measured, t.met ? 'PASS' : 'FAIL'])],
    notes: [
      `bot RSS ${(f.rssBeforeBytes / MB).toFixed(0)} MB before → peak ${(f.rssPeakBytes / MB).toFixed(0)} MB (sampled every 20 ms from /proc, the bot in its own process)`,
      `until every accepted job showed Queued: ${(f.wallMs / 1000).toFixed(1)} s`,
    ],
  });
}

export const floodBenchmark: Benchmark = {
  name: 'flood',
  title: "8. One user's flood",
  async run() {
    const figures = await runFlood();
    const targets = floodTargets(figures);
    console.log(floodTable(figures, targets));
    return { tables: [], targets };
  },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFlood().then(
    (figures) => {
      const targets = floodTargets(figures);
      console.log(floodTable(figures, targets));
      process.exit(targets.every((t) => t.met) ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
