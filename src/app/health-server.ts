import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { BotMetrics } from './bot-metrics.ts';
import { healthReport, type HealthSources } from './health-report.ts';

/** Bounds on one client of the health server; the defaults suit a scraper every few seconds. */
export interface HealthServerLimits {
  /** The whole request must arrive within this. Default 10 s. */
  requestTimeoutMs: number;
  /** Its headers within this. Default 5 s. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** How often Node looks for requests past those timeouts. Default 1 s. */
  checkIntervalMs: number;
  /** Connections open at once; more are refused. Default 32. */
  maxConnections: number;
}

const DEFAULT_LIMITS: HealthServerLimits = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, checkIntervalMs: 1_000, maxConnections: 32 };

export interface HealthServerOptions {
  host: string;
  port: number;
  health: HealthSources;
  metrics: BotMetrics;
  logger: Logger;
  limits?: Partial<HealthServerLimits>;
}

/**
 * HTTP_PORT's server: GET /healthz (200, or 503 with the reasons; JSON) and GET /metrics
 * (Prometheus text). Nothing else is served and nothing is read from a request but its
 * method and path. It binds HTTP_HOST, 127.0.0.1 by default: neither page needs to be
 * public, and /metrics names the ComfyUI servers.
 */
export class HealthServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(options: HealthServerOptions): Promise<HealthServer> {
    const { health, metrics, logger } = options;
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const server = createServer(
      {
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
      },
      (request, response) => {
        const path = (request.url ?? '/').split('?')[0];
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
          return;
        }
        if (path === '/healthz') {
          const report = healthReport(health);
          response.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(report)}\n`);
          return;
        }
        if (path === '/metrics') {
          metrics.text().then(
            (text) => response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
            (error: unknown) => {
              logger.error({ err: error }, 'collecting metrics failed');
              response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
            },
          );
          return;
        }
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /healthz or /metrics\n');
      },
    );
    server.maxConnections = limits.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => logger.error({ err: error }, 'health server error'));
    const bound = new HealthServer(server);
    const { address, port } = bound.address;
    logger.info({ host: address, port }, `health and metrics on http://${address.includes(':') ? `[${address}]` : address}:${port} (/healthz, /metrics)`);
    return bound;
  }

  /** Where it listens (the real port when HTTP_PORT=0). */
  get address(): { address: string; port: number } {
    const { address, port } = this.#server.address() as AddressInfo;
    return { address, port };
  }

  /** Stops listening and drops open connections (a scraper's kept-alive one included). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
}
