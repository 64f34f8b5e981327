import type { RecordedRequest } from '../test/support/discord-standin/index.ts';
import { BotRig, benchUser } from './bot-rig.ts';
import type { JobSummary, ResultReadyLog } from './bot-process.ts';
import { ComfyRig, type PromptTimeline } from './comfy-rig.ts';
import { fmt, judge, type Benchmark, type BenchResult, type Cell } from './report.ts';
import { percentile, pollUntil } from './stats.ts';

/**
 * Benchmark 3: 20, then 50, jobs running at once (one per ComfyUI stand-in) at 20
 * steps/s with a preview every second step (10 fps), against a Discord REST stand-in
 * enforcing Discord-like rate limits (5 edits per 5 s per message route, 50/s global
 * for bot-token routes) with Discord's rate-limit headers, the bot at its default
 * settings. Measured over the window in which all jobs run: edits sent per second,
 * 429s, and how long a step takes to show (issue 12: p95 ≤ 1.2 s with 20 jobs,
 * ≤ 2.0 s with 50, no 429).
 */

const STEP_MS = 50;
const PREVIEW_EVERY = 2;

function isMessageEdit(request: RecordedRequest): boolean {
  return request.method === 'PATCH' && /\/messages\/[^/]+$/.test(request.route);
}

/** The interaction token in a webhook route: /webhooks/{app}/{token}/messages/{id}. */
function tokenOf(request: RecordedRequest): string | undefined {
  const parts = request.route.split('/');
  return parts[1] === 'webhooks' ? parts[3] : undefined;
}

interface Scenario {
  label: string;
  jobs: number;
  env: Record<string, string>;
  /** step → edit p95 may be at most this, in ms. */
  p95TargetMs: number;
}

interface ScenarioResult {
  row: Cell[];
  count429: number;
  p95Ms: number;
}

/** One run: 20 stand-ins, the bot with `env`, 20 /imagine at once; measured over the window all 20 sample. */
async function runScenario(scenario: Scenario, steps: number): Promise<ScenarioResult> {
  const jobCount = scenario.jobs;
  const comfy = await ComfyRig.start(jobCount, { bench: { promptDurationMs: steps * STEP_MS, previewEverySteps: PREVIEW_EVERY } });
  let jobs: JobSummary[];
  let requests: readonly RecordedRequest[] = [];
  let count429: number;
  let ready: ResultReadyLog[] = [];
  try {
    const bot = await BotRig.start({ comfyUrls: comfy.urls, env: scenario.env });
    try {
      bot.discord.rest.setRateLimits({});
      for (let i = 0; i < jobCount; i += 1) await bot.imagine(benchUser(i), { steps, size: '1024x1024' });
      jobs = await pollUntil(
        'every final edit',
        async () => {
          const all = await bot.jobs();
          const failed = all.find((job) => job.status === 'failed' || job.status === 'cancelled');
          if (failed) throw new Error(`job ${failed.id} ${failed.status}: ${(await bot.logs()).problems.join(' | ')}`);
          return all.length === jobCount && all.every((job) => job.deliveredAt !== null) ? all : undefined;
        },
        steps * STEP_MS + 60_000,
        200,
      );
      requests = [...bot.discord.rest.requests];
      ready = (await bot.logs()).resultReady;
      count429 = bot.discord.rest.count429;
    } finally {
      await bot.stop();
    }
  } finally {
    await comfy.close();
  }

  const timelineByToken = new Map<string, PromptTimeline>();
  for (const job of jobs) {
    const timeline = job.promptId === null ? undefined : comfy.prompts.get(job.promptId);
    if (job.token !== null && timeline) timelineByToken.set(job.token, timeline);
  }
  const timelines = [...timelineByToken.values()];
  const from = Math.max(...timelines.map((t) => t.steps.get(1) ?? Number.POSITIVE_INFINITY));
  const to = Math.min(...timelines.map((t) => t.steps.get(steps) ?? Number.NEGATIVE_INFINITY));
  const windowMs = to - from;
  if (!(windowMs > 0)) throw new Error(`the ${jobCount} jobs never all ran at the same time`);
  const edits = requests.filter((r) => isMessageEdit(r) && r.at >= from && r.at <= to);
  const delivered = edits.filter((r) => r.status === 200);
  const previews = delivered.filter((r) => r.files.some((file) => file.filename.startsWith('preview')));
  // Age of the step an edit shows when it arrives; and, for every step, how long until an edit showed it (or a later one).
  const ages: number[] = [];
  const shownBy = new Map<string, Array<{ at: number; step: number }>>();
  for (const edit of requests.filter((r) => isMessageEdit(r) && r.status === 200)) {
    const shown = /step (\d+)\/\d+/.exec((edit.json as { content?: string } | undefined)?.content ?? '');
    const token = tokenOf(edit) ?? '';
    const stepAt = shown ? timelineByToken.get(token)?.steps.get(Number(shown[1])) : undefined;
    if (shown === null || stepAt === undefined) continue;
    if (edit.at >= from && edit.at <= to) ages.push(edit.at - stepAt);
    shownBy.set(token, [...(shownBy.get(token) ?? []), { at: edit.at, step: Number(shown[1]) }]);
  }
  const delays: number[] = [];
  for (const [token, timeline] of timelineByToken) {
    const shown = shownBy.get(token) ?? [];
    for (const [step, at] of timeline.steps) {
      if (at < from || at > to) continue;
      const first = shown.find((edit) => edit.step >= step && edit.at >= at);
      if (first) delays.push(first.at - at);
    }
  }
  const perMessage = new Map<string, number[]>();
  for (const edit of delivered) perMessage.set(tokenOf(edit) ?? '', [...(perMessage.get(tokenOf(edit) ?? '') ?? []), edit.at]);
  const gaps = [...perMessage.values()].flatMap((times) => times.slice(1).map((at, i) => at - times[i]!));
  const finalLag = jobs.map((job) => {
    const timeline = job.promptId === null ? undefined : comfy.prompts.get(job.promptId);
    return job.deliveredAt! - (timeline?.doneAt ?? job.deliveredAt!);
  });
  // When the final edit first reached Discord, after the prompt ended: what the bot spent before sending it.
  const finalSent = jobs.flatMap((job) => {
    const timeline = job.promptId === null ? undefined : comfy.prompts.get(job.promptId);
    const first = requests.find((r) => isMessageEdit(r) && tokenOf(r) === job.token && /^(✅|❌)/u.test((r.json as { content?: string } | undefined)?.content ?? ''));
    return timeline?.doneAt != null && first ? [first.at - timeline.doneAt] : [];
  });
  // Result ready (fetched and fitted) → the final edit reaches Discord: the time a final spends in the reply editor.
  const finalWait = jobs.flatMap((job) => {
    const readyAt = ready.find((entry) => entry.jobId === job.id)?.time;
    const first = requests.find((r) => isMessageEdit(r) && tokenOf(r) === job.token && /^(✅|❌)/u.test((r.json as { content?: string } | undefined)?.content ?? ''));
    return readyAt !== undefined && first ? [first.at - readyAt] : [];
  });
  const seconds = windowMs / 1000;
  const editedMessages = new Set(delivered.map((edit) => tokenOf(edit))).size;
  const p95Ms = percentile(delays, 95);
  const met = count429 === 0 && p95Ms <= scenario.p95TargetMs;
  return {
    count429,
    p95Ms,
    row: [
      scenario.label,
      fmt(seconds, 1),
      fmt(edits.length / seconds, 2),
      fmt(previews.length / seconds, 2),
      `${editedMessages}/${jobCount}`,
      count429,
      `${fmt(percentile(delays, 50), 0)} / ${fmt(percentile(delays, 95), 0)}`,
      `${fmt(percentile(ages, 50), 0)} / ${fmt(percentile(ages, 95), 0)}`,
      fmt(percentile(gaps, 50), 0),
      `${fmt(percentile(finalSent, 50), 0)} / ${fmt(percentile(finalLag, 50), 0)} / ${fmt(Math.max(...finalLag), 0)}`,
      `${fmt(percentile(finalWait, 50), 0)} / ${fmt(Math.max(...finalWait), 0)}`,
      `p95 ≤ ${scenario.p95TargetMs}, 0 × 429`,
      met ? 'PASS' : 'FAIL',
    ],
  };
}

export const progressBenchmark: Benchmark = {
  name: 'progress',
  title: '3. Progress under load',
  async run({ quick }): Promise<BenchResult> {
    const steps = quick ? 60 : 240;
    const scenarios: Scenario[] = [
      { label: '20 jobs, bot defaults', jobs: 20, env: {}, p95TargetMs: 1200 },
      { label: '50 jobs, bot defaults', jobs: 50, env: {}, p95TargetMs: 2000 },
    ];
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) results.push(await runScenario(scenario, steps));
    return {
      tables: [
        {
          title: `3. Progress under load — 20 and 50 concurrent jobs, ${1000 / STEP_MS} steps/s, previews ${1000 / STEP_MS / PREVIEW_EVERY} fps, Discord rate limits on`,
          columns: ['bot', 'window s', 'edits/s', 'with preview/s', 'msgs edited', '429s', 'step→edit p50/p95 ms', 'shown step age p50/p95 ms', 'gap per msg p50 ms', 'final sent p50 / lag p50/max ms', 'final ready→sent p50/max ms', 'target', 'result'],
          rows: results.map((result) => result.row),
          notes: [
            'Defaults: EDIT_INTERVAL_MS 250 (a floor), PREVIEW_INTERVAL_MS 4000, EDIT_BUDGET_PER_SECOND 40 (bot-token edits only); each reply paced from its route\'s X-RateLimit headers.',
            'Rate limits: 5 edits per 5 s per message route, 50/s global for bot-token routes (interaction-webhook edits not counted), headers as Discord sends them.',
            'Window = all jobs sampling. step→edit: for every step in the window, time until an edit showing it (or a later step) reached the REST stand-in.',
            "shown step age: at each edit's arrival, how old the step it shows was. 429s: whole run. final sent: prompt done → final edit reaches the stand-in; final lag: → final edit confirmed.",
          ],
        },
      ],
      targets: results.flatMap((result, index) => {
        const scenario = scenarios[index]!;
        return [
          judge(`3. progress, ${scenario.label}: step→edit p95`, result.p95Ms, { atMost: scenario.p95TargetMs }, 'ms'),
          judge(`3. progress, ${scenario.label}: 429s received`, result.count429, { atMost: 0 }),
        ];
      }),
    };
  },
};
