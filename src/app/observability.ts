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
import { BotMetrics } from './bot-metrics.ts';
import { HealthServer } from './health-server.ts';
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

/**
 * Wires the metrics and the health page to the bot's parts. Made before the parts
 * exist (the Discord client takes its REST hook when it is built), attached once they
 * do; a scrape before that sees only the counters.
 */
export class Observability {
  readonly metrics: BotMetrics;
  #parts: ObservedParts | null = null;
  #server: HealthServer | null = null;

  constructor() {
    this.metrics = new BotMetrics({
      pendingJobs: () => this.#parts?.scheduler.pending() ?? [],
      waitingCount: () => this.#parts?.scheduler.waitingCount() ?? 0,
      servers: () => {
        if (this.#parts === null) return [];
        const load = this.#parts.scheduler.load();
        return this.#parts.pool.status().map((server) => ({ name: server.name, healthy: unhealthy(server) === null, busy: (load.get(server.name) ?? 0) > 0 }));
      },
      editsSent: () => this.#parts?.editor.stats().editsSent ?? 0,
      socketReconnects: () => this.#parts?.pool.reconnects() ?? new Map<string, number>(),
    });
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
    try {
      this.#server = await HealthServer.start({
        host,
        port,
        metrics: this.metrics,
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
