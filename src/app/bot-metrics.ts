import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Job } from '../jobs/job.ts';
import { FINISHED_STATUSES, UNFINISHED_STATUSES } from '../jobs/job-state.ts';

/** What the gauges read at scrape time: the bot's parts, seen only through these calls. */
export interface MetricsSources {
  /** Jobs the scheduler holds now: on a server, then waiting. */
  pendingJobs(): readonly Pick<Job, 'status'>[];
  waitingCount(): number;
  /** Each configured ComfyUI server: socket ready, and whether a job of ours is on it. */
  servers(): readonly { name: string; healthy: boolean; busy: boolean }[];
  /** Reply edits Discord accepted so far (the reply editor's own count). */
  editsSent(): number;
  /** Per server, how many times its WebSocket came back after a drop. */
  socketReconnects(): ReadonlyMap<string, number>;
}

/**
 * Label values come from fixed sets only: job states, HTTP-status classes and the
 * server names of the configuration. Nothing a user typed (prompt, option values,
 * names) and nothing secret (tokens, ComfyUI credentials) ever becomes a label.
 */
const LIVE_STATES = UNFINISHED_STATUSES;
const FINAL_STATES = FINISHED_STATUSES;

/** Seconds. A job takes seconds to many minutes (queue wait included); a delivery, under a second to a minute. */
const JOB_BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/**
 * The bot's Prometheus metrics (prom-client) on a registry of their own, so two bots in
 * one process (tests) never share counters and nothing global is touched. Gauges and
 * the counters the bot's parts already keep are read at each scrape; the rest are fed
 * as things happen.
 */
export class BotMetrics {
  readonly #registry = new Registry();
  readonly #finished: Counter;
  readonly #jobDuration: Histogram;
  readonly #deliveryLatency: Histogram;
  readonly #discordResponses: Counter;
  readonly #rateLimited: Counter;
  readonly #gatewayReconnects: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.#registry];
    new Gauge({
      name: 'comfycord_jobs',
      help: 'Jobs the bot holds now, by state (queued: waiting for a server; submitted, running: on one)',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = new Map(LIVE_STATES.map((state) => [state, 0]));
        for (const job of sources.pendingJobs()) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
        for (const [state, count] of counts) if (LIVE_STATES.includes(state)) this.set({ state }, count);
      },
    });
    this.#finished = new Counter({
      name: 'comfycord_jobs_finished_total',
      help: 'Jobs that ended since the start, by final state',
      labelNames: ['state'],
      registers,
    });
    new Gauge({
      name: 'comfycord_queue_length',
      help: 'Jobs waiting for a ComfyUI server',
      registers,
      collect() {
        this.set(sources.waitingCount());
      },
    });
    new Gauge({
      name: 'comfycord_server_healthy',
      help: '1 while the ComfyUI server takes work (connected, answering its health check, not benched), else 0',
      labelNames: ['server'],
      registers,
      collect() {
        for (const server of sources.servers()) this.set({ server: server.name }, server.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'comfycord_server_busy',
      help: '1 while the ComfyUI server has at least one of the bot\'s jobs, else 0',
      labelNames: ['server'],
      registers,
      collect() {
        for (const server of sources.servers()) this.set({ server: server.name }, server.busy ? 1 : 0);
      },
    });
    this.#jobDuration = new Histogram({
      name: 'comfycord_job_duration_seconds',
      help: 'From a job being accepted to its end (queue wait included), by final state',
      labelNames: ['state'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.#deliveryLatency = new Histogram({
      name: 'comfycord_delivery_latency_seconds',
      help: 'From a job ending to its final message being accepted by Discord',
      buckets: DELIVERY_BUCKETS,
      registers,
    });
    new Counter({
      name: 'comfycord_discord_edits_sent_total',
      help: 'Reply edits (progress, previews, finals) Discord accepted',
      registers,
      collect() {
        this.reset();
        this.inc(sources.editsSent());
      },
    });
    this.#discordResponses = new Counter({
      name: 'comfycord_discord_responses_total',
      help: 'Answers from Discord\'s REST API, by status class',
      labelNames: ['class'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'comfycord_discord_rate_limited_total',
      help: '429 Too Many Requests answers received from Discord',
      registers,
    });
    new Counter({
      name: 'comfycord_comfy_socket_reconnects_total',
      help: 'ComfyUI WebSocket connections re-established after a drop, by server',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const [server, count] of sources.socketReconnects()) this.inc({ server }, count);
      },
    });
    this.#gatewayReconnects = new Counter({
      name: 'comfycord_discord_gateway_reconnects_total',
      help: 'Times the Discord gateway connection dropped and discord.js set out to reconnect',
      registers,
    });
    // Every series present from the first scrape, at 0, so rate() and alerts see a start.
    for (const state of FINAL_STATES) {
      this.#finished.inc({ state }, 0);
      this.#jobDuration.zero({ state });
    }
    for (const statusClass of ['2xx', '3xx', '4xx', '5xx']) this.#discordResponses.inc({ class: statusClass }, 0);
  }

  /** A job reached its final state (the scheduler says so once per job). */
  jobFinished(job: Pick<Job, 'status' | 'createdAt' | 'finishedAt'>): void {
    if (!FINAL_STATES.includes(job.status)) return;
    this.#finished.inc({ state: job.status });
    if (job.finishedAt !== null) this.#jobDuration.observe({ state: job.status }, Math.max(0, job.finishedAt - job.createdAt) / 1000);
  }

  /** Its final message reached Discord. */
  delivered(job: Pick<Job, 'finishedAt' | 'deliveredAt'>): void {
    if (job.finishedAt !== null && job.deliveredAt !== null) this.#deliveryLatency.observe(Math.max(0, job.deliveredAt - job.finishedAt) / 1000);
  }

  /** One answer from Discord's REST API (every request of the bot and of its reply webhooks). */
  discordResponse(status: number): void {
    if (status >= 200 && status < 600) this.#discordResponses.inc({ class: `${Math.floor(status / 100)}xx` });
    if (status === 429) this.#rateLimited.inc();
  }

  gatewayReconnecting(): void {
    this.#gatewayReconnects.inc();
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }

  get contentType(): string {
    return this.#registry.contentType;
  }
}
