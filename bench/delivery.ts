import type { RecordedRequest } from '../test/support/discord-standin/index.ts';
import { BotRig, benchUser } from './bot-rig.ts';
import type { JobSummary, ResultReadyLog } from './bot-process.ts';
import { ComfyRig } from './comfy-rig.ts';
import { fmt, judge, type Benchmark, type BenchResult, type Cell } from './report.ts';
import { mean, percentile, pollUntil } from './stats.ts';

/**
 * Benchmark 2: from ComfyUI's `execution_success` to the final Discord edit
 * confirmed (the bot's RunningBot saved deliveredAt after the PATCH was answered),
 * for one 1024×1024 PNG and for a batch of four. Jobs run one at a time so each
 * measures delivery alone. The stand-in saves photo-like PNGs (~1.5 MB each).
 *
 * Split, per job:
 *   handoff — execution_success → fetching starts: the socket message, GET /history,
 *             the scheduler finishing the job, SQLite writes
 *   fetch   — GET /view of every image (JobReplies' fetchMs)
 *   encode  — sharp: probe / re-encode to the upload limit, grid (encodeMs)
 *   upload  — result ready → final PATCH answered: ReplyEditor, discord.js multipart, the REST stand-in
 */

interface Sample {
  totalMs: number;
  handoffMs: number;
  fetchMs: number;
  encodeMs: number;
  uploadMs: number;
  /** Result ready → the final PATCH's headers reached the REST stand-in: ReplyEditor turn + discord.js building the form. */
  waitMs: number;
  /** Headers arrived → answered and deliveredAt saved: body transfer, stand-in parsing, response. */
  sendMs: number;
  bytes: number;
  files: string[];
  /** The same bytes fetched and uploaded straight from the bench, after the bot's delivery. */
  directMs: number;
}

/** The bot's delivery p50 may be at most this many times (fetch + upload alone + its sharp p50). */
const OVERHEAD_RATIO_TARGET = 1.5;

const KINDS = [
  { label: '1 × 1024² PNG', count: 1 },
  { label: '4 × 1024² batch + grid', count: 4 },
] as const;

function isFinalEdit(request: RecordedRequest, token: string): boolean {
  const json = request.json as { content?: string } | undefined;
  return request.method === 'PATCH' && request.route.includes(`/${token}/messages/`) && request.status === 200 && (json?.content ?? '').startsWith('✅');
}

/**
 * The floor for the same bytes, measured in the same run: GET /view of every output the
 * job made, then one multipart PATCH of them to the same message, straight from here
 * with fetch, no bot in between. Sharp's fitting is not in it (the bot's encode column).
 */
async function directTransferMs(bot: BotRig, comfy: ComfyRig, job: JobSummary, token: string, applicationId: string): Promise<number> {
  const server = comfy.standins.find((standin) => standin.history.has(job.promptId!));
  if (server === undefined) throw new Error(`no history for prompt ${job.promptId}`);
  const entry = server.history.get(job.promptId!) as { outputs?: Record<string, { images?: Array<{ filename: string; subfolder: string; type: string }> }> };
  const images = Object.values(entry.outputs ?? {}).flatMap((output) => output.images ?? []);
  const started = performance.now();
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ content: 'direct', attachments: images.map((_, id) => ({ id, filename: `${id}.png` })) }));
  for (const [index, image] of images.entries()) {
    const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
    const response = await fetch(`${server.url}/view?${query.toString()}`);
    if (!response.ok) throw new Error(`direct GET /view answered ${response.status}`);
    form.append(`files[${index}]`, new Blob([await response.arrayBuffer()], { type: 'image/png' }), `${index}.png`);
  }
  const patched = await fetch(`${bot.discord.rest.apiBase}/v10/webhooks/${applicationId}/${token}/messages/@original`, { method: 'PATCH', body: form });
  await patched.arrayBuffer();
  if (!patched.ok) throw new Error(`direct PATCH answered ${patched.status}`);
  return performance.now() - started;
}

async function runJob(bot: BotRig, comfy: ComfyRig, user: number, count: number): Promise<Sample> {
  const raw = await bot.imagine(benchUser(user), { steps: 4, size: '1024x1024', count });
  const job = await pollUntil<JobSummary>(
    'the final edit',
    async () => {
      const found = (await bot.jobs()).find((candidate) => candidate.token === raw.token);
      if (found?.status === 'failed' || found?.status === 'cancelled') throw new Error(`job ${found.status}: ${(await bot.logs()).problems.join(' | ')}`);
      return found?.deliveredAt != null ? found : undefined;
    },
    30_000,
    20,
  );
  const ready = await pollUntil<ResultReadyLog>('the result-ready log line', async () => (await bot.logs()).resultReady.find((entry) => entry.jobId === job.id), 5_000, 20);
  const successAt = comfy.successAt(job.promptId!);
  if (successAt === null) throw new Error(`no execution_success for prompt ${job.promptId}`);
  const final = bot.discord.rest.requests.find((request) => isFinalEdit(request, raw.token));
  const fetchStarted = ready.time - ready.fetchMs - ready.encodeMs;
  const directMs = await directTransferMs(bot, comfy, job, raw.token, raw.application_id);
  return {
    directMs,
    totalMs: job.deliveredAt! - successAt,
    handoffMs: fetchStarted - successAt,
    fetchMs: ready.fetchMs,
    encodeMs: ready.encodeMs,
    uploadMs: job.deliveredAt! - ready.time,
    waitMs: final === undefined ? Number.NaN : final.at - ready.time,
    sendMs: final === undefined ? Number.NaN : job.deliveredAt! - final.at,
    bytes: final?.files.reduce((total, file) => total + file.data.length, 0) ?? 0,
    files: final?.files.map((file) => file.filename.replace(/^.*?-(\d+|grid)\./, '$1.')) ?? [],
  };
}

export const deliveryBenchmark: Benchmark = {
  name: 'delivery',
  title: '2. Delivery overhead',
  async run({ quick }): Promise<BenchResult> {
    const samplesPerKind = quick ? 2 : 12;
    const comfy = await ComfyRig.start(1, { bench: { promptDurationMs: 100, outputTexture: 'noise' } });
    const rows: Cell[][] = [];
    const targets: BenchResult['targets'] = [];
    let stopNote: string;
    try {
      const bot = await BotRig.start({ comfyUrls: comfy.urls, env: { USER_MAX_PENDING: '5' } });
      try {
        let user = 0;
        for (const kind of KINDS) {
          // One unmeasured job first: sharp, undici and the noise texture warm up.
          await runJob(bot, comfy, user++, kind.count);
          const samples: Sample[] = [];
          for (let i = 0; i < samplesPerKind; i += 1) samples.push(await runJob(bot, comfy, user++, kind.count));
          const p = (pick: (s: Sample) => number, q: number): string => fmt(percentile(samples.map(pick), q), 0);
          const floor = percentile(samples.map((s) => s.directMs), 50) + percentile(samples.map((s) => s.encodeMs), 50);
          const ratio = percentile(samples.map((s) => s.totalMs), 50) / floor;
          targets.push({
            ...judge(`2. delivery, ${kind.label}: p50 ÷ (same bytes alone + sharp)`, ratio, { atMost: OVERHEAD_RATIO_TARGET }, '', 2),
            target: `≤ ${OVERHEAD_RATIO_TARGET}`,
          });
          rows.push([
            kind.label,
            samples.length,
            p((s) => s.totalMs, 50),
            p((s) => s.totalMs, 99),
            p((s) => s.handoffMs, 50),
            p((s) => s.fetchMs, 50),
            p((s) => s.encodeMs, 50),
            p((s) => s.uploadMs, 50),
            `${p((s) => s.waitMs, 50)} + ${p((s) => s.sendMs, 50)}`,
            fmt(mean(samples.map((s) => s.bytes)) / 1e6, 2),
            p((s) => s.directMs, 50),
            `${fmt(ratio, 2)} (≤ ${OVERHEAD_RATIO_TARGET})`,
            [...new Set(samples.flatMap((s) => s.files))].join(' '),
          ]);
        }
      } finally {
        const stopped = await bot.stop();
        targets.push({ benchmark: '2. delivery: the bot process exits by itself after stop', target: 'within 1 s', measured: stopped.lingered ? 'no' : 'yes', met: !stopped.lingered });
        stopNote = `bot stop: RunningBot.stop() ${fmt(stopped.botStopMs, 0)} ms; ${stopped.lingered ? 'the process did NOT exit by itself within 1 s (a timer or socket left open)' : 'process exited by itself'}.`;
      }
    } finally {
      await comfy.close();
    }
    return {
      tables: [
        {
          title: '2. Delivery overhead — execution_success → final edit confirmed (ms)',
          columns: ['result', 'n', 'p50', 'p99', 'handoff p50', 'fetch p50', 'sharp p50', 'upload p50', '= wait + send', 'MB sent', 'alone p50', 'p50 ÷ (alone + sharp)', 'files'],
          rows,
          notes: [
            'One job at a time; p99 of a dozen samples is their maximum. Components are medians, so they need not add up to the total.',
            'handoff = socket message, GET /history, scheduler + SQLite; fetch = GET /view; sharp = fit to the upload limit (+ grid); upload = result ready → PATCH answered,',
            'split into wait (ReplyEditor\'s turn and edit budget, discord.js building the form, until the request reaches the stand-in) and send (body, parse, answer).',
            'alone = the same files fetched (GET /view) and sent in one PATCH straight from the bench, no bot: the floor for those bytes on this machine now.',
            stopNote,
          ],
        },
      ],
      targets,
    };
  },
};
