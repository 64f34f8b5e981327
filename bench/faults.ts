import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIInteraction } from 'discord.js';
import { databasePath } from '../src/store/open-database.ts';
import { SqliteJobStore } from '../src/store/sqlite-job-store.ts';
import { ComfyStandin } from '../test/support/comfy-standin.ts';
import { standinUser } from '../test/support/discord-standin/fixtures.ts';
import { chatInputInteraction, commandOption, discordError, mintSnowflake, startDiscordStandins, type DiscordRestStandin, type DiscordStandins } from '../test/support/discord-standin/index.ts';
import { ChildBot, clip, formatTable, logWindows, pollUntil, quickFlag, readBotLog, ReplyLedger, sleep, type Column } from './fault-support.ts';
import { standinBotEnv } from '../test/bot/harness.ts';

/**
 * Benchmark 5, faults: many /imagine interactions against the real bot process
 * (`npm start`'s `node … dist/bot.mjs`, bench/fault-support.ts) while everything around it
 * misbehaves — ComfyUI restarts (queue and history lost), its socket is dropped every
 * 2 s, Discord answers bursts of 5xx, and the bot itself is SIGKILLed and started again
 * on the same DATA_DIR. Every job must end delivered exactly once, or with a message
 * saying why; none may vanish, none may be delivered or run twice.
 */

interface Burst {
  atMs: number;
  ms: number;
  /** 'edits': message edits and posts only; 'all': every write, interaction callbacks included. */
  scope: 'edits' | 'all';
}

interface Plan {
  interactions: number;
  sendMs: number;
  /** Sampler steps per job and the stand-in's delay per step: jobs outlast the sending, so the kill finds work in flight. */
  steps: number;
  stepDelayMs: number;
  dropEveryMs: number;
  bursts: Burst[];
  comfyRestart: { atMs: number; downMs: number };
  /** After sending, the bot is SIGKILLed once this share of the accepted jobs has ended. */
  killAtFraction: number;
  botDownMs: number;
  settleTimeoutMs: number;
  /** Settling stops early when no interaction has ended for this long. */
  stallMs: number;
  /** Afterwards, this many more interactions, each SIGKILLing the bot the instant Discord acknowledged its deferral. */
  killsAfterDeferral: number;
}

const FULL: Plan = {
  interactions: 500,
  sendMs: 10_000,
  steps: 4,
  stepDelayMs: 10,
  dropEveryMs: 2_000,
  bursts: [
    { atMs: 2_500, ms: 1_000, scope: 'edits' },
    { atMs: 8_500, ms: 300, scope: 'all' },
    { atMs: 16_000, ms: 1_000, scope: 'edits' },
  ],
  comfyRestart: { atMs: 5_000, downMs: 1_500 },
  killAtFraction: 0.4,
  botDownMs: 1_000,
  settleTimeoutMs: 180_000,
  stallMs: 30_000,
  killsAfterDeferral: 5,
};

const QUICK: Plan = {
  interactions: 60,
  sendMs: 3_000,
  steps: 4,
  stepDelayMs: 50,
  dropEveryMs: 2_000,
  bursts: [
    { atMs: 500, ms: 500, scope: 'edits' },
    { atMs: 2_600, ms: 200, scope: 'all' },
    { atMs: 6_000, ms: 500, scope: 'edits' },
  ],
  comfyRestart: { atMs: 1_000, downMs: 600 },
  killAtFraction: 0.4,
  botDownMs: 500,
  settleTimeoutMs: 60_000,
  stallMs: 15_000,
  killsAfterDeferral: 2,
};

export interface FaultsOptions {
  quick?: boolean;
  /** Print the table, the misses and a summary (default true). */
  print?: boolean;
  /** Keep DATA_DIR and the bot's log, and print where they are. */
  keepFiles?: boolean;
}

export interface FaultRow {
  /** Which interactions the row counts ('all', or those sent during one fault). */
  cohort: string;
  asked: number;
  deferredIn3s: number;
  /** No job was made: the user got an ephemeral reply saying why. */
  refused: number;
  /** No job was made and the reply was the generic "something went wrong" (an unexpected exception). */
  botError: number;
  delivered: number;
  /** The job ended with a failure (or cancellation) message the user can read. */
  failed: number;
  /** Neither images nor a message saying why: a hanging "thinking…", or nothing at all. */
  lost: number;
  /** The job's images landed in two or more different messages. */
  duplicated: number;
  /** Completed on ComfyUI more than once with no ComfyUI restart to explain it. */
  ranTwice: number;
  /** Completed twice because a ComfyUI restart erased the first run's history (expected, at most once). */
  rerunAfterRestart: number;
}

/**
 * A row's verdict: every interaction in it ended once, with its images or a reason, and
 * none met the generic "something went wrong". Judged per row, so a fault that loses
 * jobs fails even when the total hides it.
 */
export function faultRowMisses(row: FaultRow): string[] {
  const misses: string[] = [];
  if (row.lost > 0) misses.push(`${row.lost} lost`);
  if (row.duplicated > 0) misses.push(`${row.duplicated} duplicated`);
  if (row.ranTwice > 0) misses.push(`${row.ranTwice} ran twice`);
  if (row.botError > 0) misses.push(`${row.botError} "something went wrong"`);
  if (row.deferredIn3s + row.refused + row.botError < row.asked) misses.push(`${row.asked - row.deferredIn3s - row.refused - row.botError} not answered within 3 s`);
  return misses;
}

export interface FaultsResult {
  rows: FaultRow[];
  /** Grouped: how many interactions, what they ended with, and a few examples. */
  misses: string[];
  summary: string[];
  wallMs: number;
}

interface Sent {
  index: number;
  raw: APIInteraction;
  userId: string;
  sentAt: number;
  cohorts: string[];
}

/** What ComfyUI did for the benchmark's prompts, by interaction index. */
interface ComfyLog {
  posted: Map<string, { index: number; at: number }>;
  successes: Map<number, Array<{ promptId: string; at: number }>>;
  restarts: number[];
  downWindows: Array<[number, number]>;
}

const PROMPT_MARK = /^fault#(\d+) /;
const GENERIC = /Something went wrong inside the bot/;
const KILLED_AFTER_DEFER = 'extra: bot SIGKILLed the instant its deferral was acknowledged';
const CHECKPOINT = 'sd_xl_base_1.0.safetensors';

export async function runFaultsDetailed(options: FaultsOptions = {}): Promise<FaultsResult> {
  const plan = options.quick ? QUICK : FULL;
  const started = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), 'comfycord-faults-'));
  const dataDir = join(workDir, 'data');
  const logPath = join(workDir, 'bot.log');
  const comfy = await ComfyStandin.start({ stepDelayMs: plan.stepDelayMs, models: { checkpoints: [CHECKPOINT] } });
  let discord: DiscordStandins | null = null;
  let bot: ChildBot | null = null;
  const timers: NodeJS.Timeout[] = [];
  try {
    discord = await startDiscordStandins();
    const rest = discord.rest;
    const env = {
      ...standinBotEnv(discord, comfy.url, dataDir),
      EDIT_BUDGET_PER_SECOND: '50',
      QUEUE_MAX: '100000',
      USER_MAX_PENDING: '100',
      LOG_LEVEL: 'info',
    };
    bot = await ChildBot.start({ env, logPath });
    const comfyLog = watchComfy(comfy);
    const t0 = Date.now();
    const burstWindows = scheduleFaults(plan, t0, comfy, rest, comfyLog, timers);
    const sent = await sendInteractions(plan, t0, discord);

    const ledger = new ReplyLedger(rest);
    const acknowledged = (s: Sent): boolean => rest.interaction(s.raw.token)?.acknowledgedWith != null;
    const accepted = (): Sent[] => sent.filter((s) => rest.interaction(s.raw.token)?.acknowledgedWith === 5);
    const ended = (s: Sent): boolean => ledger.hasFinal(s.raw.token);
    const endedShare = (): number => {
      ledger.update();
      const list = accepted();
      return list.length === 0 ? 1 : list.filter(ended).length / list.length;
    };
    // Every interaction has had its chance to be deferred before the bot dies.
    const callbackTried = (s: Sent): boolean => rest.requests.some((r) => r.route === `/interactions/${s.raw.id}/${s.raw.token}/callback`);
    await pollUntil(() => sent.every((s) => acknowledged(s) || callbackTried(s) || Date.now() - s.sentAt > 3_500), 10_000, 50);
    await pollUntil(() => endedShare() >= plan.killAtFraction, 60_000, 100);

    // SIGKILL mid-run: jobs waiting, jobs on ComfyUI and final edits in flight, all at once.
    ledger.update();
    const inFlightAtKill = new Set(accepted().filter((s) => !ended(s)).map((s) => s.index));
    await bot.kill('SIGKILL');
    await sleep(plan.botDownMs);
    bot = await ChildBot.start({ env, logPath });

    // Until every interaction has ended, or nothing has changed for stallMs (the rest are lost), or the cap.
    let endedCount = -1;
    let changedAt = Date.now();
    const settled = await pollUntil(
      () => {
        ledger.update();
        const now = sent.filter(ended).length;
        if (now !== endedCount) [endedCount, changedAt] = [now, Date.now()];
        return sent.every((s) => ended(s) || (Date.now() - s.sentAt > 5_000 && !acknowledged(s))) || Date.now() - changedAt > plan.stallMs;
      },
      plan.settleTimeoutMs,
      250,
    );
    for (const timer of timers) clearInterval(timer);

    // Targeted: the bot dies the instant Discord has acknowledged a deferral (the job not yet stored).
    const targeted: Sent[] = [];
    for (let n = 0; n < plan.killsAfterDeferral; n += 1) {
      const s = newInteraction(plan.interactions + n, plan.steps);
      const callback = rest.waitForRequest((r) => r.route === `/interactions/${s.raw.id}/${s.raw.token}/callback`, 10_000);
      await discord.sendInteraction(s.raw);
      await callback;
      await bot.kill('SIGKILL');
      bot = await ChildBot.start({ env, logPath });
      targeted.push({ ...s, cohorts: [KILLED_AFTER_DEFER] });
    }
    await pollUntil(() => (ledger.update(), targeted.every(ended)), 8_000, 250);
    await bot.stop();
    ledger.update();

    const log = await readBotLog(logPath);
    const socketDown = logWindows(log, (e) => e.msg === 'comfy socket disconnected', (e) => e.msg === 'comfy socket connected', Date.now());
    // Cohorts by when the bot handled the interaction (its first callback attempt), which can lag the send.
    const handledAt = new Map<string, number>();
    for (const r of rest.requests) {
      const token = /^\/interactions\/\d+\/([^/]+)\/callback$/.exec(r.route)?.[1];
      if (token !== undefined && !handledAt.has(token)) handledAt.set(token, r.at);
    }
    const within = (at: number, list: Array<[number, number]>) => list.some(([from, to]) => at >= from && at < to);
    for (const s of sent) {
      const at = handledAt.get(s.raw.token) ?? s.sentAt;
      if (within(at, burstWindows)) s.cohorts.push('handled during a 5xx burst on every route');
      if (within(at, comfyLog.downWindows)) s.cohorts.push('handled while ComfyUI was restarting');
      else if (within(at, socketDown)) s.cohorts.push("handled while the bot's ComfyUI socket reconnected");
      if (inFlightAtKill.has(s.index)) s.cohorts.push('unfinished when the bot was SIGKILLed');
    }
    const result = analyse(sent, targeted, rest, ledger, comfyLog, dataDir);
    if (!settled) result.misses.unshift(`not every interaction ended within ${plan.settleTimeoutMs / 1000} s; the rest count as lost`);
    result.summary.push(
      `bot log: ${log.filter((e) => e.level >= 50).length} error lines, ${log.filter((e) => e.msg === 'final reply edit failed').length} final edits given up, ` +
        `${socketDown.length} socket outages seen by the bot`,
    );
    result.wallMs = Date.now() - started;
    if (options.print ?? true) printFaults(result, plan, options.keepFiles ? workDir : null);
    return result;
  } finally {
    for (const timer of timers) clearInterval(timer);
    await bot?.kill('SIGKILL');
    await Promise.allSettled([discord?.close(), comfy.close()]);
    if (!options.keepFiles) await rm(workDir, { recursive: true, force: true });
  }
}

function watchComfy(comfy: ComfyStandin): ComfyLog {
  const log: ComfyLog = { posted: new Map(), successes: new Map(), restarts: [], downWindows: [] };
  comfy.on('prompt', (promptId, body) => {
    const index = markOf(body);
    if (index !== null) log.posted.set(promptId, { index, at: Date.now() });
  });
  comfy.on('done', (promptId, status) => {
    const post = log.posted.get(promptId);
    if (post === undefined || status !== 'success') return;
    log.successes.set(post.index, [...(log.successes.get(post.index) ?? []), { promptId, at: Date.now() }]);
  });
  return log;
}

/** Socket drops, the ComfyUI restart and the Discord 5xx bursts, on a timeline from t0. Returns the all-route burst windows. */
function scheduleFaults(plan: Plan, t0: number, comfy: ComfyStandin, rest: DiscordRestStandin, log: ComfyLog, timers: NodeJS.Timeout[]): Array<[number, number]> {
  timers.push(setInterval(() => comfy.dropSockets(), plan.dropEveryMs));
  timers.push(
    setTimeout(() => {
      const at = Date.now();
      log.restarts.push(at);
      void comfy.restart({ downMs: plan.comfyRestart.downMs }).then(() => void log.downWindows.push([at, Date.now()]));
    }, plan.comfyRestart.atMs),
  );
  const allRoutes: Array<[number, number]> = [];
  for (const [n, burst] of plan.bursts.entries()) {
    const from = t0 + burst.atMs;
    const to = from + burst.ms;
    if (burst.scope === 'all') allRoutes.push([from, to]);
    const status = [500, 502, 503][n % 3]!;
    const inBurst = (request: { method: string; route: string }): boolean => {
      const now = Date.now();
      if (now < from || now >= to || request.method === 'GET') return false;
      return burst.scope === 'all' || !request.route.endsWith('/callback');
    };
    rest.failNext(inBurst, discordError(status, 0, `${status}: injected burst ${n + 1}`), { times: 1_000_000 });
  }
  return allRoutes;
}

/** /imagine from a user of its own, its prompt tagged with its index. */
function newInteraction(index: number, steps: number): Sent {
  const userId = mintSnowflake(Date.now() - 86_400_000 + index);
  const raw = chatInputInteraction({
    name: 'imagine',
    user: standinUser(userId, `faulty${index}`),
    options: [commandOption.string('prompt', `fault#${index} a red fox`), commandOption.integer('steps', steps), commandOption.string('size', '256x256')],
  });
  return { index, raw, userId, sentAt: Date.now(), cohorts: [] };
}

/** The interactions, evenly spread over `sendMs`. */
async function sendInteractions(plan: Plan, t0: number, discord: DiscordStandins): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let index = 0; index < plan.interactions; index += 1) {
    const due = t0 + (index * plan.sendMs) / plan.interactions;
    if (due > Date.now()) await sleep(due - Date.now());
    const s = newInteraction(index, plan.steps);
    sent.push(s);
    void discord.sendInteraction(s.raw).catch(() => undefined);
  }
  return sent;
}

function markOf(body: unknown): number | null {
  const graph = (body as { prompt?: Record<string, { inputs?: Record<string, unknown> }> }).prompt ?? {};
  for (const node of Object.values(graph)) {
    const text = node.inputs?.['text'];
    const match = typeof text === 'string' ? PROMPT_MARK.exec(text) : null;
    if (match) return Number(match[1]);
  }
  return null;
}

function analyse(sent: Sent[], targeted: Sent[], rest: DiscordRestStandin, ledger: ReplyLedger, comfy: ComfyLog, dataDir: string): FaultsResult {
  const store = SqliteJobStore.open(databasePath(dataDir));
  const misses = new Map<string, number[]>();
  const tally = (cohort: string, members: Sent[]): FaultRow => {
    const row: FaultRow = { cohort, asked: members.length, deferredIn3s: 0, refused: 0, botError: 0, delivered: 0, failed: 0, lost: 0, duplicated: 0, ranTwice: 0, rerunAfterRestart: 0 };
    for (const s of members) {
      const record = rest.interaction(s.raw.token);
      if (record?.acknowledgedWith === 5 && record.acknowledgedAt !== null && record.acknowledgedAt - record.createdAt <= 3_000) row.deferredIn3s += 1;
      const outcome = ledger.outcome(s.raw.token);
      if (outcome.kind === 'refused' && GENERIC.test(outcome.text)) row.botError += 1;
      else if (outcome.kind === 'refused') row.refused += 1;
      else if (outcome.kind === 'delivered') row.delivered += 1;
      else if (outcome.kind === 'failed' || outcome.kind === 'cancelled') row.failed += 1;
      else row.lost += 1;
      const jobId = ledger.jobOf(s.raw.token);
      const copies = jobId === null ? 0 : ledger.deliveredMessages(jobId).length;
      if (copies > 1) row.duplicated += 1;
      const runs = [...(comfy.successes.get(s.index) ?? [])].sort((a, b) => a.at - b.at);
      // A second completion is explained only by a ComfyUI restart between the first one and the second POST.
      const explained = runs.slice(1).map((run, i) => comfy.restarts.some((at) => at > runs[i]!.at && at < (comfy.posted.get(run.promptId)?.at ?? run.at)));
      if (explained.some((ok) => !ok)) row.ranTwice += 1;
      else if (explained.length > 0) row.rerunAfterRestart += 1;
      if ((cohort !== 'all' && cohort !== KILLED_AFTER_DEFER) || (outcome.kind === 'delivered' && copies === 1 && explained.every((ok) => ok))) continue;
      const job = store.recentFor(s.userId, 1)[0];
      const state = job === undefined ? 'no job in the store' : `job ${job.status}${job.deliveredAt === null ? ', final not confirmed' : ''}${job.failure ? ` (${job.failure.code})` : ''}`;
      const extra = `${copies > 1 ? `, in ${copies} messages` : ''}${explained.some((ok) => !ok) ? `, ran ${runs.length}× on ComfyUI` : ''}`;
      const trace = outcome.kind === 'nothing' || outcome.kind === 'pending' ? ` · Discord saw: ${traceOf(rest, s.raw)}` : '';
      const key = `${outcome.kind}${extra}: "${clip(outcome.text, 140)}" — ${state}${trace}${s.cohorts.length > 0 ? ` [${s.cohorts.join('; ')}]` : ''}`;
      misses.set(key, [...(misses.get(key) ?? []), s.index]);
    }
    return row;
  };
  const rows = [tally('all', sent)];
  for (const cohort of [...new Set(sent.flatMap((s) => s.cohorts))].sort()) rows.push(tally(cohort, sent.filter((s) => s.cohorts.includes(cohort))));
  rows.push(tally('none of those', sent.filter((s) => s.cohorts.length === 0)));
  if (targeted.length > 0) rows.push(tally(KILLED_AFTER_DEFER, targeted));
  store.close();
  const ackMs = sent
    .map((s) => rest.interaction(s.raw.token))
    .flatMap((r) => (r?.acknowledgedAt != null ? [r.acknowledgedAt - r.createdAt] : []))
    .sort((a, b) => a - b);
  const pct = (p: number): number => ackMs[Math.min(ackMs.length - 1, Math.floor(p * ackMs.length))] ?? 0;
  const prompts = comfy.posted.size;
  const jobsOnComfy = new Set([...comfy.posted.values()].map((p) => p.index)).size;
  const completions = [...comfy.successes.values()].reduce((n, list) => n + list.length, 0);
  return {
    rows,
    misses: [...misses.entries()].map(([key, indexes]) => `${indexes.length}× ${key} (e.g. #${indexes.slice(0, 5).join(', #')})`),
    summary: [
      `first answer to an interaction (defer or refusal): p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms (Discord's limit: 3000 ms)`,
      `ComfyUI: ${prompts} prompts posted for ${jobsOnComfy} jobs (${prompts - jobsOnComfy} resubmissions), ${completions} completed runs`,
    ],
    wallMs: 0,
  };
}

/** The bot's requests for one interaction, e.g. "callback 204, DELETE @original 204, POST follow-up 502". */
function traceOf(rest: DiscordRestStandin, raw: APIInteraction): string {
  const steps = rest.requests
    .filter((r) => r.route.includes(raw.token))
    .map((r) => `${r.route.endsWith('/callback') ? 'callback' : `${r.method} ${r.route.endsWith('@original') ? '@original' : 'follow-up'}`} ${r.status}`);
  const collapsed = steps.filter((step, i) => step !== steps[i - 1]);
  return collapsed.length === 0 ? 'no request' : clip(collapsed.join(', '), 120);
}

const COLUMNS: Column<FaultRow>[] = [
  { title: 'interactions', value: (r) => r.cohort },
  { title: 'asked', value: (r) => r.asked, align: 'right' },
  { title: 'deferred ≤3 s', value: (r) => r.deferredIn3s, align: 'right' },
  { title: 'refused (told why)', value: (r) => r.refused, align: 'right' },
  { title: '"something went wrong"', value: (r) => r.botError, align: 'right' },
  { title: 'delivered', value: (r) => r.delivered, align: 'right' },
  { title: 'failed (told why)', value: (r) => r.failed, align: 'right' },
  { title: 'lost', value: (r) => r.lost, align: 'right' },
  { title: 'duplicated', value: (r) => r.duplicated, align: 'right' },
  { title: 'ran twice', value: (r) => r.ranTwice, align: 'right' },
  { title: 'rerun after ComfyUI restart', value: (r) => r.rerunAfterRestart, align: 'right' },
  { title: 'result', value: (r) => (faultRowMisses(r).length === 0 ? 'PASS' : 'FAIL') },
];

function printFaults(result: FaultsResult, plan: Plan, keptAt: string | null): void {
  const lines = [
    `\n## Faults: ${plan.interactions} /imagine in ${plan.sendMs / 1000} s; ComfyUI restarted (${plan.comfyRestart.downMs} ms down), ` +
      `its socket dropped every ${plan.dropEveryMs / 1000} s, ${plan.bursts.length} Discord 5xx bursts, the bot SIGKILLed and restarted`,
    '',
    formatTable(COLUMNS, result.rows),
    '',
    `targets per row: lost 0, duplicated 0, ran twice 0, "something went wrong" 0, every interaction answered within 3 s · wall time ${(result.wallMs / 1000).toFixed(1)} s`,
    ...result.summary,
  ];
  if (result.misses.length > 0) lines.push('', 'not delivered exactly once:', ...result.misses.map((miss) => `  - ${miss}`));
  if (keptAt !== null) lines.push('', `DATA_DIR and bot.log kept in ${keptAt}`);
  console.log(lines.join('\n'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  runFaultsDetailed({ quick: quickFlag(argv), keepFiles: argv.includes('--keep') }).then(
    (result) => {
      process.exit(result.rows.every((row) => faultRowMisses(row).length === 0) ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
