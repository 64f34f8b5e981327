import { CHECKPOINT } from '../test/bot/harness.ts';
import { ComfyStandin } from '../test/support/comfy-standin.ts';
import { countRuns, sendJob, settle, withBot, type FaultCase, type SentJob } from './fault-case.ts';

/**
 * Issue 9 items 4 and 5 (and 7's truncated /view): a prompt that stops making
 * progress, one that never ends, a /view that never answers or answers half a file,
 * a server killed mid-run. Short limits via the bot's own configuration, so each case
 * takes seconds.
 */

const MODELS = { checkpoints: [CHECKPOINT] };
const jobsFor = (quick: boolean): number => (quick ? 2 : 4);

async function sendAll(h: Parameters<typeof sendJob>[0], count: number, steps: number): Promise<SentJob[]> {
  const jobs: SentJob[] = [];
  for (let n = 0; n < count; n += 1) jobs.push(await sendJob(h, steps));
  return jobs;
}

const stallOnce: FaultCase = {
  name: 'prompt stalls on one server (STALL_SECONDS=2), another is healthy',
  finding: '9.4',
  expect: 'delivered',
  // Two stalls in turn on the stuck server (it holds one job ahead), then the runs elsewhere.
  boundMs: 12_000,
  from: 'request',
  async run(quick) {
    const spare = await ComfyStandin.start({ stepDelayMs: 10, models: MODELS });
    return withBot(
      { comfy: { manualSteps: true }, moreComfyUrls: [spare.url], env: { STALL_SECONDS: '2' } },
      async (h) => {
        const runs = countRuns(h.comfy, spare);
        const jobs = await sendAll(h, jobsFor(quick), 4);
        return { jobs: await settle(h, jobs, runs, 30_000, null), note: 'the stuck server stalls each of its jobs once; they run again on the spare' };
      },
      () => spare.close(),
    );
  },
};

const stallTwice: FaultCase = {
  name: 'prompt stalls twice, the only server (STALL_SECONDS=1)',
  finding: '9.4',
  expect: 'failed',
  reason: /made no progress for 1 s, twice/,
  // The jobs take turns on the one server: two 1 s stalls each, plus 1 s cool-downs.
  boundMs: 20_000,
  from: 'request',
  async run(quick) {
    return withBot({ comfy: { manualSteps: true }, env: { STALL_SECONDS: '1', STALL_COOLDOWN_SECONDS: '1' } }, async (h) => {
      const runs = countRuns(h.comfy);
      const jobs = await sendAll(h, jobsFor(quick), 4);
      return { jobs: await settle(h, jobs, runs, 40_000, null) };
    });
  },
};

const deadline: FaultCase = {
  name: 'prompt progresses but never ends in time (JOB_TIMEOUT_SECONDS=2)',
  finding: '9.4',
  expect: 'failed',
  reason: /did not finish within 2 s/,
  boundMs: 5_000,
  from: 'request',
  async run(quick) {
    // 40 steps of 200 ms each: 8 s of steady progress per job, never a stall.
    return withBot({ comfy: { stepDelayMs: 200 }, env: { JOB_TIMEOUT_SECONDS: '2', STALL_SECONDS: '5' } }, async (h) => {
      const runs = countRuns(h.comfy);
      const jobs = await sendAll(h, 1, 40);
      const more = quick ? [] : await sendAll(h, 1, 40);
      return { jobs: await settle(h, [...jobs, ...more], runs, 20_000, null), note: 'deadline counted from when the job went to the server' };
    });
  },
};

const viewHangs: FaultCase = {
  name: '/view never answers (DELIVERY_TIMEOUT_SECONDS=2)',
  finding: '9.4',
  expect: 'failed',
  reason: /images were made but could not be fetched.*\/show \S+ later/,
  boundMs: 6_000,
  from: 'request',
  async run(quick) {
    return withBot({ env: { DELIVERY_TIMEOUT_SECONDS: '2' } }, async (h) => {
      h.comfy.faultViews('hang', { times: 1_000 });
      const runs = countRuns(h.comfy);
      const jobs = await sendAll(h, jobsFor(quick), 2);
      return { jobs: await settle(h, jobs, runs, 20_000, null) };
    });
  },
};

const viewTruncated: FaultCase = {
  name: '/view returns half a PNG once per job',
  finding: '9.7',
  expect: 'delivered',
  boundMs: 8_000,
  from: 'request',
  async run(quick) {
    return withBot({}, async (h) => {
      const count = jobsFor(quick);
      h.comfy.faultViews('truncate', { times: count });
      const runs = countRuns(h.comfy);
      const jobs = await sendAll(h, count, 2);
      return { jobs: await settle(h, jobs, runs, 20_000, null), note: 'each truncated file fetched again and decoded before delivery' };
    });
  },
};

const serverKilled: FaultCase = {
  name: 'server killed mid-run (COMFY_LOST_AFTER_SECONDS at its default, 15)',
  finding: '9.5',
  expect: 'delivered',
  boundMs: 30_000,
  from: 'fault',
  async run(quick) {
    const spare = await ComfyStandin.start({ stepDelayMs: 250, models: MODELS });
    // Ten steps of 250 ms: 2.5 s jobs. The first server takes the first (both idle), the spare the next.
    return withBot(
      { comfy: { stepDelayMs: 250 }, moreComfyUrls: [spare.url] },
      async (h) => {
        const runs = countRuns(h.comfy, spare);
        const jobs = await sendAll(h, quick ? 2 : 3, 10);
        await h.comfy.waitFor('progress', (_id, _node, value) => value >= 3, 15_000);
        await h.comfy.kill();
        const killedAt = Date.now();
        return { jobs: await settle(h, jobs, runs, 45_000, killedAt), note: 'time to end counted from the kill' };
      },
      () => spare.close(),
    );
  },
};

export const WATCHDOG_CASES: FaultCase[] = [stallOnce, stallTwice, deadline, viewHangs, viewTruncated, serverKilled];
