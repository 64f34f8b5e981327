import type { APIInteraction } from 'discord.js';
import { BotHarness, type HarnessOptions } from '../test/bot/harness.ts';
import type { ComfyStandin } from '../test/support/comfy-standin.ts';
import { commandOption } from '../test/support/discord-standin/index.ts';
import { pollUntil, ReplyLedger } from './fault-support.ts';

/**
 * One fault of issue 9, run alone against the whole bot (in this process, as
 * test/bot/harness.ts builds it) and the stand-ins: a few /imagine jobs meet the
 * fault, and the row says what each ended with and how long that took. A case file
 * (bench/fault-cases-*.ts) exports FaultCase values; bench/fault-cases.ts lists them.
 */
export interface FaultCase {
  /** What breaks, as the table's first column shows it. */
  name: string;
  /** The issue item it covers, e.g. '9.4'. */
  finding: string;
  /** What every job of the case must end with: its images, or a failure saying why. */
  expect: 'delivered' | 'failed';
  /** Every job must end within this many ms of `from`. */
  boundMs: number;
  /** Where time to end is counted from: the job's request, or the moment the fault struck. */
  from: 'request' | 'fault';
  /** A failure message must match this (the reason the user can act on). */
  reason?: RegExp;
  run(quick: boolean): Promise<CaseRun>;
}

/** How one job of a case ended. */
export interface JobEnd {
  outcome: 'delivered' | 'failed' | 'lost';
  /** The final reply's text (a failure's reason). */
  text: string;
  /** Its images landed in more than one message, or ComfyUI completed it more than once. */
  duplicated: boolean;
  /** From the request, or from the fault (see FaultCase.from); null when it never ended. */
  endMs: number | null;
}

export interface CaseRun {
  jobs: JobEnd[];
  /** One line on what was measured (shown under the table). */
  note?: string;
}

export interface FaultRow {
  name: string;
  finding: string;
  expect: FaultCase['expect'];
  asked: number;
  delivered: number;
  /** Failed with a message matching the case's reason. */
  failed: number;
  /** Neither images nor a reason: no final reply within the wait, or "failed" without a usable reason. */
  lost: number;
  duplicated: number;
  /** Longest time to end among the jobs; null when one never ended. */
  maxEndMs: number | null;
  boundMs: number;
  from: FaultCase['from'];
  pass: boolean;
  /** Why it failed, when it did. */
  misses: string[];
  note: string | null;
}

const GENERIC = /Something went wrong inside the bot/;

/** Judges one case's jobs: lost 0, duplicated 0, each ended within the bound, each as the case expects. */
export function judgeCase(fault: FaultCase, run: CaseRun): FaultRow {
  const misses: string[] = [];
  let delivered = 0;
  let failed = 0;
  let lost = 0;
  let duplicated = 0;
  for (const [index, job] of run.jobs.entries()) {
    const reasoned = job.outcome === 'failed' && !GENERIC.test(job.text) && (fault.reason?.test(job.text) ?? true);
    if (job.outcome === 'delivered') delivered += 1;
    else if (reasoned) failed += 1;
    else lost += 1;
    if (job.duplicated) duplicated += 1;
    const got = job.outcome === 'delivered' ? 'delivered' : reasoned ? 'failed' : 'lost';
    if (got !== fault.expect) misses.push(`job ${index + 1}: ${got}, expected ${fault.expect}${job.text === '' ? '' : ` ("${job.text.slice(0, 100)}")`}`);
    if (job.endMs !== null && job.endMs > fault.boundMs) misses.push(`job ${index + 1}: ended after ${(job.endMs / 1000).toFixed(1)} s (bound ${fault.boundMs / 1000} s)`);
  }
  const ends = run.jobs.map((job) => job.endMs);
  const maxEndMs = ends.includes(null) || ends.length === 0 ? null : Math.max(...(ends as number[]));
  const pass = run.jobs.length > 0 && lost === 0 && duplicated === 0 && maxEndMs !== null && maxEndMs <= fault.boundMs && misses.length === 0;
  return {
    name: fault.name,
    finding: fault.finding,
    expect: fault.expect,
    asked: run.jobs.length,
    delivered,
    failed,
    lost,
    duplicated,
    maxEndMs,
    boundMs: fault.boundMs,
    from: fault.from,
    pass,
    misses,
    note: run.note ?? null,
  };
}

/** A job a case sent: its interaction, when it was asked, and the mark its prompt carries to ComfyUI. */
export interface SentJob {
  raw: APIInteraction;
  sentAt: number;
  mark: string;
}

let marks = 0;

/** `/imagine` with a prompt marked so its runs on ComfyUI can be counted. */
export async function sendJob(h: BotHarness, steps: number): Promise<SentJob> {
  marks += 1;
  const mark = `case#${marks}`;
  const sentAt = Date.now();
  const raw = await h.imagine(`${mark} a red fox`, [commandOption.integer('steps', steps)]);
  return { raw, sentAt, mark };
}

/** Counts successful runs on ComfyUI per mark, from now on. */
export function countRuns(...servers: ComfyStandin[]): Map<string, number> {
  const runs = new Map<string, number>();
  for (const comfy of servers) {
    const markOf = new Map<string, string>();
    comfy.on('prompt', (promptId, body) => {
      const mark = /"(case#\d+) /.exec(JSON.stringify(body))?.[1];
      if (mark !== undefined) markOf.set(promptId, mark);
    });
    comfy.on('done', (promptId, status) => {
      const mark = markOf.get(promptId);
      if (mark !== undefined && status === 'success') runs.set(mark, (runs.get(mark) ?? 0) + 1);
    });
  }
  return runs;
}

/**
 * Waits (at most `waitMs`) until every job has a final reply, then reads what each
 * user saw. `faultAt` is where time to end is counted from for a case measured from
 * the fault; otherwise each job's own request.
 */
export async function settle(h: BotHarness, jobs: SentJob[], runs: Map<string, number>, waitMs: number, faultAt: number | null): Promise<JobEnd[]> {
  const ledger = new ReplyLedger(h.rest);
  await pollUntil(() => (ledger.update(), jobs.every((job) => ledger.hasFinal(job.raw.token))), waitMs, 100);
  ledger.update();
  return jobs.map((job) => {
    const outcome = ledger.outcome(job.raw.token);
    const finalAt = h.rest.requests.find((r) => r.status === 200 && r.method === 'PATCH' && r.route.endsWith(`/${job.raw.token}/messages/@original`) && /^(✅|❌|🚫)/u.test((r.json as { content?: string } | undefined)?.content ?? ''))?.at;
    const copies = outcome.kind === 'delivered' && outcome.jobId !== null ? ledger.deliveredMessages(outcome.jobId).length : 0;
    return {
      outcome: outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'failed' ? 'failed' : 'lost',
      text: outcome.text,
      duplicated: copies > 1 || (runs.get(job.mark) ?? 0) > 1,
      endMs: finalAt === undefined || !ledger.hasFinal(job.raw.token) ? null : finalAt - (faultAt ?? job.sentAt),
    };
  });
}

/** Runs `body` against a fresh bot and stand-ins, and always stops them. */
export async function withBot<T>(options: HarnessOptions, body: (h: BotHarness) => Promise<T>, after: () => Promise<unknown> = async () => undefined): Promise<T> {
  const h = await BotHarness.start(options);
  try {
    return await body(h);
  } finally {
    await h.stop();
    await after();
  }
}
