import { ComfyServer } from '../comfy/server.ts';
import type { ComfyConfig } from '../config.ts';
import type { Logger } from '../log.ts';

/**
 * The ComfyUI server a CLI command talks to: `--server` when given, else the first
 * configured one, with that configured server's auth and headers either way.
 */
export function cliServer(comfy: ComfyConfig, override: string | null, logger: Logger, options: { connectTimeoutMs?: number } = {}): ComfyServer {
  const configured = comfy.servers[0]!;
  return new ComfyServer({
    url: override ?? configured.url,
    ...(configured.auth ? { auth: configured.auth } : {}),
    headers: configured.headers,
    previewMethod: comfy.previewMethod,
    logger,
    ...options,
  });
}
