/**
 * The whole bot in a process of its own, as `npm start` runs it (startBot with the
 * config read from this process's environment), so its memory and event-loop delay
 * are its own and not the stand-ins'. Started by BotRig with an IPC channel; it
 * answers a few questions about itself (see BotRequest) and stops when asked.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { startBot, type RunningBot } from '../src/wiring/create-bot.ts';
import { loadConfig } from '../src/config.ts';
import type { Job } from '../src/jobs/job.ts';
import { createLogger } from '../src/log.ts';
import { Redactor } from '../src/redact/redactor.ts';

export type BotCommand = 'stats' | 'resetStats' | 'jobs' | 'logs' | 'stop' | 'exit';
export interface BotRequest {
  id: number;
  cmd: BotCommand;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface BotStats {
  rssBytes: number;
  /** Highest RSS sampled (every 50 ms) since the last resetStats. */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the last resetStats (timer lateness, monitorEventLoopDelay). */
  loop: LoopDelay;
  /** Jobs the scheduler has queued so far, and when the first and last of them were queued. */
  enqueued: number;
  firstEnqueuedAt: number | null;
  lastEnqueuedAt: number | null;
}

export interface JobSummary {
  id: string;
  userId: string;
  token: string | null;
  status: string;
  server: string | null;
  promptId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  deliveredAt: number | null;
  images: number;
}

export interface ResultReadyLog {
  jobId: string;
  images: number;
  fetchMs: number;
  encodeMs: number;
  /** pino's `time`: when the line was written. */
  time: number;
}

export interface BotLogs {
  countsByLevel: Record<string, number>;
  resultReady: ResultReadyLog[];
  /** The latest warnings and errors, for the report when something went wrong. */
  problems: string[];
}

export type BotMessage =
  | { type: 'ready'; at: number }
  | { type: 'fatal'; error: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

/** The loop is sampled at this resolution; a delay is how late each sample's timer fired. */
const LOOP_RESOLUTION_MS = 1;

const send = (message: BotMessage): void => {
  process.send?.(message);
};

const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const logs: BotLogs = { countsByLevel: {}, resultReady: [], problems: [] };

/** Keeps what the benchmarks read from the bot's JSON log lines; drops the rest. */
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const level = levels[Number(entry['level'])] ?? String(entry['level']);
      logs.countsByLevel[level] = (logs.countsByLevel[level] ?? 0) + 1;
      if (entry['msg'] === 'result ready for Discord') {
        logs.resultReady.push({
          jobId: String(entry['jobId']),
          images: Number(entry['images']),
          fetchMs: Number(entry['fetchMs']),
          encodeMs: Number(entry['encodeMs']),
          time: Number(entry['time']),
        });
      }
      if (Number(entry['level']) >= 40) {
        const err = entry['err'] as { message?: string } | undefined;
        logs.problems.push(`${level}: ${String(entry['msg'])}${err?.message ? ` (${err.message})` : ''}`);
        if (logs.problems.length > 30) logs.problems.shift();
      }
    }
    done();
  },
});

const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
let peakRss = process.memoryUsage.rss();
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

const seenJobs = new Set<string>();
const enqueue = { first: null as number | null, last: null as number | null };

function loopDelay(): LoopDelay {
  // Values are nanoseconds between samples; the resolution itself is not delay.
  const late = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return { p50Ms: late(loop.percentile(50)), p99Ms: late(loop.percentile(99)), maxMs: late(loop.max), meanMs: late(loop.mean) };
}

function summary(job: Job): JobSummary {
  const token = job.reply?.['token'];
  return {
    id: job.id,
    userId: job.userId,
    token: typeof token === 'string' ? token : null,
    status: job.status,
    server: job.server,
    promptId: job.promptId,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    deliveredAt: job.deliveredAt,
    images: job.images.length,
  };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const redactor = new Redactor();
  const logger = createLogger({ level: config.logLevel, destination: logSink, redactor });
  const bot: RunningBot = await startBot(config, logger, redactor);
  const { scheduler, store } = bot.context;
  scheduler.subscribe((update) => {
    if (update.type !== 'status' || update.job.status !== 'queued' || seenJobs.has(update.job.id)) return;
    seenJobs.add(update.job.id);
    const now = Date.now();
    enqueue.first ??= now;
    enqueue.last = now;
  });
  loop.enable();

  const jobs = (): Job[] => [...seenJobs].flatMap((id) => store.get(id) ?? []);
  const answer = async (request: BotRequest): Promise<unknown> => {
    switch (request.cmd) {
      case 'stats': {
        // Cheap on purpose (no store reads): the bench polls it while measuring this process's loop.
        const memory = process.memoryUsage();
        peakRss = Math.max(peakRss, memory.rss);
        return {
          rssBytes: memory.rss,
          peakRssBytes: peakRss,
          heapUsedBytes: memory.heapUsed,
          loop: loopDelay(),
          enqueued: seenJobs.size,
          firstEnqueuedAt: enqueue.first,
          lastEnqueuedAt: enqueue.last,
        } satisfies BotStats;
      }
      case 'resetStats':
        loop.reset();
        peakRss = process.memoryUsage.rss();
        return null;
      case 'jobs':
        return jobs().map(summary);
      case 'logs':
        return logs;
      case 'exit':
        // Leaves once this answer is out, without stopping the bot (a --cpu-prof profile is still written).
        return null;
      case 'stop':
        loop.disable();
        clearInterval(rssSampler);
        {
          const started = Date.now();
          await bot.stop();
          return { stopMs: Date.now() - started };
        }
    }
  };

  process.on('message', (raw) => {
    const request = raw as BotRequest;
    answer(request).then(
      (result) => {
        const reply: BotMessage = { type: 'reply', id: request.id, result };
        if (request.cmd === 'exit') process.send?.(reply, () => process.exit(0));
        else send(reply);
        if (request.cmd === 'stop') process.disconnect();
      },
      (error: unknown) => send({ type: 'reply', id: request.id, error: String(error) }),
    );
  });
  // After stop (or when the bench goes away) the process should end by itself; if
  // something still holds the loop open a second later, say what and leave anyway.
  process.on('disconnect', () => {
    setTimeout(() => {
      process.stderr.write(`bench bot: still running 1 s after stop; open: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(0);
    }, 1000).unref();
  });
  send({ type: 'ready', at: Date.now() });
}

main().catch((error: unknown) => {
  send({ type: 'fatal', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  clearInterval(rssSampler);
  // Defined only when the parent opened an IPC channel, whatever @types/node says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  process.disconnect?.();
});
