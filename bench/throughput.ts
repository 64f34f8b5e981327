import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobExecutor } from '../src/app/job-executor.ts';
import { InputImages } from '../src/app/input-images.ts';
import { ServerPool } from '../src/app/server-pool.ts';
import { ComfyServer } from '../src/comfy/server.ts';
import { MemoryJobStore } from '../src/jobs/job-store.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { renderTemplate, type TemplateSet } from '../src/workflows/index.ts';
import { makeJob } from '../test/jobs/job-fixture.ts';
import { BotRig, benchUser } from './bot-rig.ts';
import { ComfyRig } from './comfy-rig.ts';
import { fmt, type Benchmark, type BenchResult, type Cell } from './report.ts';
import { percentile, pollUntil, sum, withTimeout } from './stats.ts';
import { loadBenchTemplates, SHIPPED_WORKFLOWS_DIR } from './workflows.ts';

/**
 * Benchmark 1: N jobs of a fixed execution time T on one ComfyUI server. The
 * makespan is compared with N·T: comfycord keeps the next prompt queued on the
 * server (lookahead), a naive client submits the next only after fetching the last
 * result. Three clients, each against a fresh stand-in, in the same run.
 */

const STEPS = 20;
const SIZE = { width: 256, height: 256 };
const PROMPT = 'a lighthouse at dusk, oil painting';

interface Run {
  label: string;
  makespanMs: number;
  /** Σ per-prompt execution time the stand-in measured (execution_start → done). */
  busyMs: number;
  jobs: number;
  /** Server idle between consecutive prompts. */
  gapsMs: number[];
  /** Start of the run → the first prompt began executing. */
  rampMs: number;
}

async function withStandin<T>(promptMs: number, body: (comfy: ComfyRig) => Promise<T>): Promise<{ result: T; comfy: ComfyRig }> {
  const comfy = await ComfyRig.start(1, { bench: { promptDurationMs: promptMs } });
  try {
    return { result: await body(comfy), comfy };
  } finally {
    await comfy.close();
  }
}

function measured(comfy: ComfyRig, timing: { started: number; makespanMs: number }, jobs: number): Omit<Run, 'label'> {
  const firstStart = Math.min(...comfy.finished().map((p) => p.startedAt));
  return { makespanMs: timing.makespanMs, busyMs: comfy.busyMs(), jobs, gapsMs: comfy.gapsMs(), rampMs: firstStart - timing.started };
}

/** Submit, wait for completion, fetch the images, next: what a simple script does. */
async function naiveLoop(templates: TemplateSet, jobs: number, promptMs: number): Promise<Run> {
  const { result: timing, comfy } = await withStandin(promptMs, async (rig) => {
    const server = new ComfyServer({ url: rig.urls[0]! });
    await server.connect();
    try {
      const started = Date.now();
      for (let i = 0; i < jobs; i += 1) {
        const { graph } = renderTemplate(templates.require('txt2img'), { prompt: PROMPT, steps: STEPS, ...SIZE });
        const result = await server.run(graph).done;
        await Promise.all(result.files.map((image) => server.view(image)));
      }
      return { started, makespanMs: Date.now() - started };
    } finally {
      await server.close();
    }
  });
  return { label: 'naive loop (ComfyServer, one at a time)', ...measured(comfy, timing, jobs) };
}

/** Scheduler + ServerPool + job executor, as the bot wires them; each result is fetched once done, as delivery would. */
async function core(templates: TemplateSet, jobs: number, promptMs: number): Promise<Run> {
  const dataDir = await mkdtemp(join(tmpdir(), 'comfycord-bench-core-'));
  try {
    const { result: timing, comfy } = await withStandin(promptMs, async (rig) => {
      const pool = new ServerPool([{ url: rig.urls[0]! }], { templates });
      await pool.start();
      const store = new MemoryJobStore();
      const scheduler = new Scheduler({
        workers: pool.workers(),
        execute: createJobExecutor({ pool, templates, inputs: new InputImages({ dataDir, store, pool }) }),
        store,
        limits: { userMaxPending: jobs, queueMax: jobs, userCooldownSeconds: 0 },
      });
      pool.onChange(() => scheduler.poke());
      try {
        const fetched: Array<Promise<unknown>> = [];
        const allDone = new Promise<void>((resolve, reject) => {
          let finished = 0;
          scheduler.subscribe((update) => {
            if (update.type !== 'status') return;
            const { job } = update;
            if (job.status === 'failed' || job.status === 'cancelled') reject(new Error(`job ${job.status}: ${job.failure?.userMessage ?? ''}`));
            if (job.status !== 'done') return;
            const server = pool.get(job.server!)!;
            fetched.push(Promise.all(job.images.map((image) => server.view(image.source))));
            finished += 1;
            if (finished === jobs) resolve();
          });
        });
        const started = Date.now();
        for (let i = 0; i < jobs; i += 1) scheduler.enqueue(makeJob(`user${i % 10}`, { options: { prompt: PROMPT, steps: STEPS, ...SIZE } }));
        await withTimeout('core jobs', allDone, jobs * promptMs * 3 + 10_000);
        await Promise.all(fetched);
        return { started, makespanMs: Date.now() - started };
      } finally {
        scheduler.close();
        await pool.close();
      }
    });
    return { label: 'comfycord core (Scheduler + ComfyServer + executor)', ...measured(comfy, timing, jobs) };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The whole bot in its own process, /imagine in through the gateway. Two ends: the
 * last prompt done on the server (what the GPU delivered), and the last final edit
 * confirmed (what users saw).
 */
async function wholeBot(jobs: number, promptMs: number): Promise<{ served: Run; delivered: Run }> {
  const users = Math.ceil(jobs / 5);
  const { result, comfy } = await withStandin(promptMs, async (rig) => {
    const bot = await BotRig.start({ comfyUrls: rig.urls, env: { USER_MAX_PENDING: '5', QUEUE_MAX: String(jobs) } });
    try {
      const started = Date.now();
      for (let i = 0; i < jobs; i += 1) await bot.imagine(benchUser(i % users), { steps: STEPS, size: `${SIZE.width}x${SIZE.height}` });
      const finished = await pollUntil(
        'every final edit',
        async () => {
          const all = await bot.jobs();
          const failed = all.find((job) => job.status === 'failed' || job.status === 'cancelled');
          if (failed) throw new Error(`job ${failed.id} ${failed.status}: ${(await bot.logs()).problems.join(' | ')}`);
          return all.length === jobs && all.every((job) => job.deliveredAt !== null) ? all : undefined;
        },
        jobs * promptMs * 3 + 30_000,
        100,
      );
      return { started, lastDelivered: Math.max(...finished.map((job) => job.deliveredAt!)) };
    } finally {
      await bot.stop();
    }
  });
  const lastDone = Math.max(...comfy.finished().map((p) => p.doneAt!));
  return {
    served: { label: 'comfycord whole bot: last prompt done', ...measured(comfy, { started: result.started, makespanMs: lastDone - result.started }, jobs) },
    delivered: {
      label: 'comfycord whole bot: last final edit confirmed',
      ...measured(comfy, { started: result.started, makespanMs: result.lastDelivered - result.started }, jobs),
    },
  };
}

export const throughputBenchmark: Benchmark = {
  name: 'throughput',
  title: '1. Throughput on one server',
  async run({ quick }): Promise<BenchResult> {
    const jobs = quick ? 10 : 50;
    const promptMs = quick ? 100 : 200;
    const templates = await loadBenchTemplates(SHIPPED_WORKFLOWS_DIR);
    const naive = await naiveLoop(templates, jobs, promptMs);
    const coreRun = await core(templates, jobs, promptMs);
    const bot = await wholeBot(jobs, promptMs);
    const runs = [naive, coreRun, bot.served, bot.delivered];
    const ratio = (run: Run): number => run.makespanMs / run.busyMs;
    const rows: Cell[][] = runs.map((run) => [
      run.label,
      fmt(run.makespanMs, 0),
      fmt(run.busyMs / run.jobs, 1),
      fmt(ratio(run), 3),
      fmt(run.makespanMs / (run.jobs * promptMs), 3),
      fmt(run.rampMs, 0),
      `${fmt(percentile(run.gapsMs, 50), 1)} / ${fmt(Math.max(...run.gapsMs), 0)} / ${fmt(sum(run.gapsMs), 0)}`,
    ]);
    return {
      tables: [
        {
          title: `1. Throughput on one server — ${jobs} jobs, T = ${promptMs} ms nominal (${STEPS} steps, ${SIZE.width}×${SIZE.height})`,
          columns: ['client', 'makespan ms', 'T̄ ms', 'makespan/(N·T̄)', 'makespan/(N·T)', 'first start ms', 'gaps p50/max/Σ ms'],
          rows,
          notes: [
            'T̄ = mean execution_start → done per prompt as the stand-in measured it: T plus the ~5 ms its nodes after the sampler take (VAE decode, PNG save, history).',
            'makespan starts when the first job is submitted (bot: first interaction sent) and ends when the last result is fetched (naive, core) or as named (bot).',
            'first start = run start → first execution_start; gaps = the server idle between one prompt and the next.',
            `naive ÷ comfycord makespan: ${fmt(naive.makespanMs / coreRun.makespanMs, 3)} (core), ${fmt(naive.makespanMs / bot.served.makespanMs, 3)} (bot, prompts done).`,
          ],
        },
      ],
      targets: [
        { benchmark: '1. throughput, whole bot', target: 'makespan ÷ (N·T̄) ≤ 1.02', measured: fmt(ratio(bot.served), 3), met: ratio(bot.served) <= 1.02 },
        { benchmark: '1. throughput, core', target: 'makespan ÷ (N·T̄) ≤ 1.02', measured: fmt(ratio(coreRun), 3), met: ratio(coreRun) <= 1.02 },
        { benchmark: '1. throughput, naive (reference)', target: 'none', measured: fmt(ratio(naive), 3), met: true },
      ],
    };
  },
};
