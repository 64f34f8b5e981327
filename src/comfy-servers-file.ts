import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';

/**
 * COMFY_SERVERS_FILE: several ComfyUI servers with names, weights and their own auth,
 * as JSON: `[{"name": "gpu1", "url": "http://10.0.0.5:8188", "weight": 2,
 * "auth": "user:password", "headers": {"X-Key": "…"}}]`.
 */
export interface ServerEntry {
  name: string | null;
  url: string;
  weight: number;
  auth: { username: string; password: string } | null;
  headers: Record<string, string>;
}

const entrySchema = z
  .object({
    name: z.string().trim().min(1).max(40).regex(/^[\w.:-]+$/, 'letters, digits, . _ : - only').optional(),
    url: z.string().refine((value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'must be an http:// or https:// URL'),
    weight: z.number().positive().max(100).default(1),
    auth: z
      .string()
      .regex(/^[^:]+:.*$/, 'must be user:password')
      .optional(),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export function readServersFile(path: string): ServerEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`COMFY_SERVERS_FILE: cannot read ${path} as JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`]);
  }
  const parsed = z.array(entrySchema).min(1, 'lists no server').safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `COMFY_SERVERS_FILE ${path}: [${issue.path.join('].')}${issue.path.length > 0 ? '' : ']'}: ${issue.message}`.replace('[]', '')));
  }
  const names = parsed.data.map((entry) => entry.name).filter((name): name is string => name !== undefined);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new ConfigError([`COMFY_SERVERS_FILE ${path}: the name '${duplicate}' is used twice`]);
  return parsed.data.map((entry) => {
    const colon = entry.auth?.indexOf(':') ?? -1;
    return {
      name: entry.name ?? null,
      url: entry.url.replace(/\/+$/, ''),
      weight: entry.weight,
      auth: entry.auth === undefined ? null : { username: entry.auth.slice(0, colon), password: entry.auth.slice(colon + 1) },
      headers: entry.headers,
    };
  });
}
