import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAttachmentHosts } from './attachment-hosts.ts';
import { readServersFile, type ServerEntry } from './comfy-servers-file.ts';
import { ConfigError } from './config-error.ts';

/**
 * Environment → typed, validated configuration. Every variable is documented in
 * .env.example; this file is the only place that reads process.env for settings.
 * All problems are reported at once, each naming its variable.
 */

export { ConfigError };

export const DEFAULT_COMFY_URL = 'http://127.0.0.1:8188';

const list = (value: string | undefined): string[] =>
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
  WORKFLOWS_DIR: z.string().trim().default('workflows'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),

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

export interface ComfyConfig {
  /** Every server: from COMFY_SERVERS_FILE when set, else one per COMFY_URL entry (sharing COMFY_AUTH/HEADERS). */
  servers: ServerEntry[];
  /** A server unreachable this long has its running jobs sent to another server. */
  lostAfterMs: number;
  previewMethod: 'auto' | 'latent2rgb' | 'taesd' | 'none' | 'default';
}

export interface Config {
  comfy: ComfyConfig;
  workflowsDir: string;
  logLevel: string;
  dataDir: string;
  store: {
    /** Start on a DATA_DIR whose database is missing, empty, new or another store (`--new-store`). */
    allowNewStore: boolean;
    /** How often the WAL is folded into comfycord.db (TRUNCATE checkpoint). */
    checkpointIntervalMs: number;
  };
  discord: {
    token: string | null;
    guildId: string | null;
    apiBase: string | null;
  };
  /**
   * `downloadConcurrency`: attachment downloads in flight at once across users (one per user).
   * `inputRetentionMs`: how long a finished job's kept input image stays for Reroll/Remix/Vary.
   */
  attachments: { hosts: string[]; maxBytes: number; maxPixels: number; downloadConcurrency: number; inputRetentionMs: number };
  access: {
    allowedChannels: string[];
    allowedRoles: string[];
    adminRoles: string[];
    allowDms: boolean;
  };
  limits: { userMaxPending: number; userCooldownSeconds: number; queueMax: number };
  moderation: { blockedWords: string[]; spoilerOutsideNsfw: boolean };
  replies: {
    /** Floor between two progress edits of one message; the pace itself is learned per route from Discord's headers. */
    editIntervalMs: number;
    previewIntervalMs: number;
    /** Bot-token edits per second across all messages (interaction-webhook edits are not counted). */
    editBudgetPerSecond: number;
    /** A final held longer than this by one route (429 retry_after, lasting 5xx) takes another route. */
    maxRetryAfterMs: number;
  };
  /** Register slash commands at start when they changed since the last registration. */
  autoRegister: boolean;
  /** /healthz and /metrics: off unless HTTP_PORT is set; on 127.0.0.1 unless HTTP_HOST says otherwise. */
  http: { port: number | null; host: string };
  /** Bounds on a job's life. */
  jobs: {
    /** Fetching a finished job's images, retries included (DELIVERY_TIMEOUT_SECONDS). */
    deliveryTimeoutMs: number;
    /** No progress from ComfyUI this long: the run is interrupted (STALL_SECONDS; a template's stallSeconds wins). */
    stallMs: number;
    /** A job not finished this long after it went to a server fails (JOB_TIMEOUT_SECONDS; a template's timeoutSeconds wins). */
    timeoutMs: number;
    /** A server that stalled two jobs in a row takes no work for this long (STALL_COOLDOWN_SECONDS). */
    stallCooldownMs: number;
  };
}

/** Reads the environment (defaults to process.env). Throws ConfigError with every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = result.data;
  const empty = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);
  return {
    comfy: {
      servers: e.COMFY_SERVERS_FILE
        ? readServersFile(e.COMFY_SERVERS_FILE)
        : e.COMFY_URL.map((url) => ({ name: null, url, weight: 1, auth: e.COMFY_AUTH, headers: e.COMFY_HEADERS })),
      lostAfterMs: e.COMFY_LOST_AFTER_SECONDS * 1000,
      previewMethod: e.COMFY_PREVIEW_METHOD,
    },
    workflowsDir: e.WORKFLOWS_DIR,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    store: { allowNewStore: e.ALLOW_NEW_STORE, checkpointIntervalMs: e.STORE_CHECKPOINT_SECONDS * 1000 },
    discord: { token: empty(e.DISCORD_TOKEN), guildId: empty(e.DISCORD_GUILD_ID), apiBase: empty(e.DISCORD_API_BASE) },
    attachments: {
      hosts: e.ATTACHMENT_HOSTS,
      maxBytes: e.ATTACHMENT_MAX_BYTES,
      maxPixels: e.IMAGE_MAX_PIXELS,
      downloadConcurrency: e.DOWNLOAD_CONCURRENCY,
      inputRetentionMs: e.INPUT_RETENTION_HOURS * 3_600_000,
    },
    access: {
      allowedChannels: e.ALLOWED_CHANNELS,
      allowedRoles: e.ALLOWED_ROLES,
      adminRoles: e.ADMIN_ROLES,
      allowDms: e.ALLOW_DMS,
    },
    limits: { userMaxPending: e.USER_MAX_PENDING, userCooldownSeconds: e.USER_COOLDOWN_SECONDS, queueMax: e.QUEUE_MAX },
    moderation: {
      blockedWords: list(e.BLOCKED_WORDS).map((word) => word.toLowerCase()),
      spoilerOutsideNsfw: e.SPOILER_OUTSIDE_NSFW,
    },
    replies: {
      editIntervalMs: e.EDIT_INTERVAL_MS,
      previewIntervalMs: e.PREVIEW_INTERVAL_MS,
      editBudgetPerSecond: e.EDIT_BUDGET_PER_SECOND,
      maxRetryAfterMs: e.DISCORD_MAX_RETRY_AFTER_SECONDS * 1000,
    },
    autoRegister: e.AUTO_REGISTER,
    http: { port: e.HTTP_PORT, host: e.HTTP_HOST },
    jobs: {
      deliveryTimeoutMs: e.DELIVERY_TIMEOUT_SECONDS * 1000,
      stallMs: e.STALL_SECONDS * 1000,
      timeoutMs: e.JOB_TIMEOUT_SECONDS * 1000,
      stallCooldownMs: e.STALL_COOLDOWN_SECONDS * 1000,
    },
  };
}
