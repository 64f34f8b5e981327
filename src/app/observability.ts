import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Events, Status, type Client } from 'discord.js';
import { ComfycordError } from '../errors.ts';
import type { AppErrorCode } from './error-codes.ts';
import type { ReplyEditor } from '../discord/reply-editor.ts';
import { isFinished } from '../jobs/job-state.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';
import type { SqliteJobStore } from '../store/sqlite-job-store.ts';
import type { BotMetrics, MetricsSources } from './bot-metrics.ts';
import { HealthServer } from './health-server.ts';
import { NO_METRICS, type MetricsRecorder } from './metrics-recorder.ts';
import type { ServerPool, ServerStatus } from './server-pool.ts';

/** Below this much free space in DATA_DIR the store counts as not writable: the next write may fail. */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

/** HTTP_PORT cannot be listened on (taken, not allowed, HTTP_HOST not an address of this machine). */
export class HttpListenError extends ComfycordError<AppErrorCode> {
  constructor(host: string, port: number, cause: unknown) {
    const why = cause instanceof Error && 'code' in cause ? String(cause.code) : 'error';
    super('HTTP_LISTEN', `Could not serve /healthz and /metrics on ${host}:${port} (${why}). Pick another HTTP_PORT, or leave it unset to turn them off.`, { cause, context: { host, port } });
  }
}

/** The parts /metrics and /healthz look at. */
export interface ObservedParts {
  client: Client;
  scheduler: Scheduler;
  pool: ServerPool;
  store: SqliteJobStore;
  editor: ReplyEditor;
}

/** Throws when the store cannot take a write: SQLite refuses one, or its folder is (nearly) full. */
function checkStoreWritable(store: SqliteJobStore): void {
  store.checkWritable();
  const folder = dirname(store.path);
  const fs = statfsSync(folder);
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) throw new Error(`only ${Math.floor(free / 1024)} KiB free in ${folder}`);
}

/** Why a server takes no work, or null: its socket state, then what the pool's health tracker says. */
function unhealthy(server: ServerStatus): string | null {
  if (server.state !== 'ready') return server.state;
  return server.health;
}

/** The gauges' readings, from the parts once they are attached. */
function metricsSources(parts: () => ObservedParts | null): MetricsSources {
  return {
    pendingJobs: () => parts()?.scheduler.pending() ?? [],
    waitingCount: () => parts()?.scheduler.waitingCount() ?? 0,
    servers: () => {
      const attached = parts();
      if (attached === null) return [];
      const load = attached.scheduler.load();
      return attached.pool.status().map((server) => ({ name: server.name, healthy: unhealthy(server) === null, busy: (load.get(server.name) ?? 0) > 0 }));
    },
    editsSent: () => parts()?.editor.stats().editsSent ?? 0,
    socketReconnects: () => parts()?.pool.reconnects() ?? new Map<string, number>(),
  };
}

/**
 * Wires the metrics and the health page to the bot's parts. Made before the parts
 * exist (the Discord client takes its REST hook when it is built), attached once they
 * do; a scrape before that sees only the counters. Without an HTTP port nothing is
 * served, so the metrics are dropped and prom-client is never loaded.
 */
export class Observability {
  readonly metrics: MetricsRecorder;
  readonly #served: BotMetrics | null;
  #parts: ObservedParts | null = null;
  #server: HealthServer | null = null;

  /** serveMetrics: HTTP_PORT is set, so /metrics will be served and its counters kept from the start. */
  static async create(options: { serveMetrics: boolean }): Promise<Observability> {
    if (!options.serveMetrics) return new Observability(null);
    const { BotMetrics } = await import('./bot-metrics.ts');
    const holder: { self: Observability | null } = { self: null };
    holder.self = new Observability(new BotMetrics(metricsSources(() => holder.self?.parts() ?? null)));
    return holder.self;
  }

  private constructor(served: BotMetrics | null) {
    this.#served = served;
    this.metrics = served ?? NO_METRICS;
  }

  private parts(): ObservedParts | null {
    return this.#parts;
  }

  /** Follows the scheduler (finished jobs) and the gateway (reconnects). */
  attach(parts: ObservedParts): void {
    this.#parts = parts;
    parts.scheduler.subscribe((update) => {
      if (update.type === 'status' && isFinished(update.job)) this.metrics.jobFinished(update.job);
    });
    parts.client.on(Events.ShardReconnecting, () => this.metrics.gatewayReconnecting());
  }

  /** Serves /healthz and /metrics on host:port (HTTP_HOST, HTTP_PORT); the parts must be attached. */
  async listen(host: string, port: number, logger: Logger): Promise<{ address: string; port: number }> {
    const parts = this.#parts;
    if (parts === null) throw new Error('Observability.listen before attach');
    if (this.#served === null) throw new Error('Observability.listen without serveMetrics');
    try {
      this.#server = await HealthServer.start({
        host,
        port,
        metrics: this.#served,
        logger,
        health: {
          // Every shard of the gateway connection ready (the bot runs one).
          discordConnected: () => parts.client.ws.shards.size > 0 && parts.client.ws.shards.every((shard) => shard.status === Status.Ready),
          checkStoreWritable: () => checkStoreWritable(parts.store),
          servers: () => parts.pool.status().map((server) => ({ name: server.name, unhealthy: unhealthy(server) })),
        },
      });
    } catch (error) {
      throw new HttpListenError(host, port, error);
    }
    return this.#server.address;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    await server?.close();
  }
}
