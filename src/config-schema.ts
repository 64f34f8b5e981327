import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAttachmentHosts } from './attachment-hosts.ts';
import { ConfigError } from './config-error.ts';

/**
 * The environment's variables, one zod field each: what src/config.ts validates and
 * turns into typed settings. Every variable is documented in .env.example.
 */

export const DEFAULT_COMFY_URL = 'http://127.0.0.1:8188';

const isFolder = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;

const blankAsUnset = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value);

export const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

const intFrom = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, got '${value}'` });
        return z.NEVER;
      }
      return parsed;
    });

const boolFrom = (fallback: boolean) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const lower = value.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false, got '${value}'` });
      return z.NEVER;
    });

const headersFrom = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): Record<string, string> => {
    if (value === undefined || value === '') return {};
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const entries = Object.entries(parsed);
        if (entries.every(([, v]) => typeof v === 'string')) return Object.fromEntries(entries);
      }
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of header names to string values, e.g. {"X-Api-Key":"..."}' });
    return z.NEVER;
  });

const snowflakes = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const ids = list(value);
    const bad = ids.filter((id) => !/^\d{15,22}$/.test(id));
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `must be Discord ids (digits), got ${bad.join(', ')}` });
    return ids;
  });

const schema = z.object({
  COMFY_URL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const urls = list(value);
      if (urls.length === 0) return [DEFAULT_COMFY_URL];
      for (const url of urls) {
        const result = httpUrl.safeParse(url);
        if (!result.success) ctx.addIssue({ code: 'custom', message: `'${url}' must be an http:// or https:// URL` });
      }
      return urls.map((url) => url.replace(/\/+$/, ''));
    }),
  COMFY_AUTH: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return null;
      const colon = value.indexOf(':');
      if (colon <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be user:password' });
        return z.NEVER;
      }
      return { username: value.slice(0, colon), password: value.slice(colon + 1) };
    }),
  COMFY_HEADERS: headersFrom,
  COMFY_SERVERS_FILE: z.string().trim().optional(),
  COMFY_LOST_AFTER_SECONDS: intFrom(15, 2, 86_400),
  COMFY_PREVIEW_METHOD: z.enum(['auto', 'latent2rgb', 'taesd', 'none', 'default']).default('auto'),
  // Unset: ./workflows when there is one, else the shipped templates. Set: that folder, which must exist.
  WORKFLOWS_DIR: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return null;
      if (!isFolder(value)) {
        ctx.addIssue({ code: 'custom', message: `folder '${value}' does not exist (unset WORKFLOWS_DIR to use the shipped templates)` });
        return z.NEVER;
      }
      return value;
    }),
  // Empty or unset: the bot logs at info; a CLI verb keeps its own quieter default (src/cli.ts).
  LOG_LEVEL: z.preprocess(blankAsUnset, z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional()),
  LOG_FORMAT: z.preprocess(blankAsUnset, z.enum(['auto', 'json', 'pretty']).default('auto')),

  DISCORD_TOKEN: z.string().trim().optional(),
  DISCORD_GUILD_ID: z
    .string()
    .trim()
    .optional()
    .refine((value) => value === undefined || value === '' || /^\d{15,22}$/.test(value), 'must be a Discord server id (digits)'),
  DISCORD_API_BASE: z
    .string()
    .trim()
    .optional()
    .refine((value) => value === undefined || value === '' || httpUrl.safeParse(value).success, 'must be an http(s) URL such as https://discord.com/api'),

  ATTACHMENT_HOSTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return [...parseAttachmentHosts(value)];
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof ConfigError ? error.problems.join('; ').replace(/^ATTACHMENT_HOSTS /, '') : String(error) });
        return z.NEVER;
      }
    }),
  ATTACHMENT_MAX_BYTES: intFrom(20_000_000, 1_000, 500_000_000),
  IMAGE_MAX_PIXELS: intFrom(40_000_000, 1_000_000, 268_402_689),
  DOWNLOAD_CONCURRENCY: intFrom(4, 1, 64),
  INPUT_RETENTION_HOURS: intFrom(24, 1, 24 * 365),

  ALLOWED_CHANNELS: snowflakes,
  ALLOWED_ROLES: snowflakes,
  ADMIN_ROLES: snowflakes,
  ALLOW_DMS: boolFrom(false),
  USER_MAX_PENDING: intFrom(3, 1, 100),
  USER_COOLDOWN_SECONDS: intFrom(0, 0, 86_400),
  QUEUE_MAX: intFrom(100, 1, 100_000),
  BLOCKED_WORDS: z.string().optional(),
  SPOILER_OUTSIDE_NSFW: boolFrom(false),

  EDIT_INTERVAL_MS: intFrom(250, 250, 60_000),
  PREVIEW_INTERVAL_MS: intFrom(4000, 500, 120_000),
  EDIT_BUDGET_PER_SECOND: intFrom(40, 1, 50),
  DISCORD_MAX_RETRY_AFTER_SECONDS: intFrom(30, 1, 3600),

  DELIVERY_TIMEOUT_SECONDS: intFrom(120, 1, 3600),
  STALL_SECONDS: intFrom(300, 1, 86_400),
  JOB_TIMEOUT_SECONDS: intFrom(3600, 1, 7 * 86_400),
  STALL_COOLDOWN_SECONDS: intFrom(600, 1, 86_400),

  DATA_DIR: z.string().trim().default('data'),
  ALLOW_NEW_STORE: boolFrom(false),
  STORE_CHECKPOINT_SECONDS: intFrom(30, 1, 3600),

  AUTO_REGISTER: boolFrom(true),

  HTTP_PORT: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return null;
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65_535) {
        ctx.addIssue({ code: 'custom', message: `must be a port from 1 to 65535 (0 takes any free one), got '${value}'` });
        return z.NEVER;
      }
      return port;
    }),
  HTTP_HOST: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return '127.0.0.1';
      if (isIP(value) === 0 && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(value)) {
        ctx.addIssue({ code: 'custom', message: `must be an IP address or a host name to listen on, got '${value}'` });
        return z.NEVER;
      }
      return value;
    }),
});

export type Env = z.infer<typeof schema>;
export type EnvKey = keyof typeof schema.shape;

/** Validates only `keys` of the environment: a verb is not stopped by a setting it never reads. Throws ConfigError with every problem. */
export function parseEnv<K extends EnvKey>(keys: readonly K[], env: NodeJS.ProcessEnv): Pick<Env, K> {
  const values: Partial<Record<EnvKey, unknown>> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const result = schema.shape[key].safeParse(env[key]);
    if (result.success) values[key] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${[key, ...issue.path].join('.')}: ${issue.message}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Each value passed its own field's parser above.
  return values as Pick<Env, K>;
}

/** Every variable, for the bot. */
export function parseWholeEnv(env: NodeJS.ProcessEnv): Env {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return result.data;
}
