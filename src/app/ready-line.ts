import { ComfyUnavailableError } from '../comfy/errors.ts';
import { isComfycordError } from '../errors.ts';

/** How one ComfyUI server's first connection went at start-up. */
export interface ServerStart {
  name: string;
  /** What /system_stats reported, when it has a version's shape. */
  version: string | null;
  /** Why it could not be reached (our words, a few of them); null when it was. */
  down: string | null;
}

/** A version number as ComfyUI reports it ("0.3.64", "v0.38.1-rc1"); anything else is not shown. */
export function comfyVersion(reported: unknown): string | null {
  return typeof reported === 'string' && /^v?\d{1,4}(\.\d{1,6}){0,3}([-+][0-9A-Za-z.]{1,20})?$/.test(reported) ? reported : null;
}

/** Why a server did not connect, in our own words: the transport's reason, else the error's code. */
export function downReason(error: unknown): string {
  if (error instanceof ComfyUnavailableError) return error.detail.replace(/\s+/g, ' ').slice(0, 80);
  return isComfycordError(error) ? error.code : 'unreachable';
}

/**
 * The one line an operator reads to know the bot came up, and with what:
 * `comfycord ready as Bot#1234: 7 templates; ComfyUI gpu1 up (0.3.64), gpu2 down (connection refused)`.
 * A server down at start but connected by now counts as up.
 */
export function readyLine(user: string, templateCount: number, servers: readonly ServerStart[], upNow: (name: string) => boolean): string {
  const described = servers.map((server) => {
    if (server.down === null) return `${server.name} up${server.version === null ? '' : ` (${server.version})`}`;
    return upNow(server.name) ? `${server.name} up` : `${server.name} down (${server.down})`;
  });
  const anyUp = servers.some((server) => server.down === null || upNow(server.name));
  const warning = anyUp ? '' : ' — no ComfyUI server is up yet: jobs wait in line until one is';
  return `comfycord ready as ${user}: ${templateCount} template${templateCount === 1 ? '' : 's'}; ComfyUI ${described.join(', ')}${warning}`;
}
