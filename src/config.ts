import { readServersFile, type ServerEntry } from './comfy-servers-file.ts';
import { ConfigError } from './config-error.ts';
import { list, parseEnv, parseWholeEnv, type Env } from './config-schema.ts';

/**
 * Environment → typed, validated configuration. Every variable is documented in
 * .env.example; this file and src/config-schema.ts are the only places that read
 * process.env for settings. All problems are reported at once, each naming its variable.
 * The bot validates everything; each CLI verb only what it uses (loadComfySettings …).
 */

export { ConfigError };
export { DEFAULT_COMFY_URL } from './config-schema.ts';

export type LogLevel = NonNullable<Env['LOG_LEVEL']>;
export type LogFormat = Env['LOG_FORMAT'];

export interface ComfyConfig {
  /** Every server: from COMFY_SERVERS_FILE when set, else one per COMFY_URL entry (sharing COMFY_AUTH/HEADERS). */
  servers: ServerEntry[];
  /** A server unreachable this long has its running jobs sent to another server. */
  lostAfterMs: number;
  previewMethod: 'auto' | 'latent2rgb' | 'taesd' | 'none' | 'default';
}

export interface Config {
  comfy: ComfyConfig;
  /** WORKFLOWS_DIR, checked to exist; null when unset (src/workflows/template-folder.ts picks then). */
  workflowsDir: string | null;
  logLevel: LogLevel;
  /** LOG_FORMAT: auto is readable lines when stderr is a terminal, JSON lines otherwise. */
  logFormat: LogFormat;
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

const COMFY_KEYS = ['COMFY_URL', 'COMFY_AUTH', 'COMFY_HEADERS', 'COMFY_SERVERS_FILE', 'COMFY_LOST_AFTER_SECONDS', 'COMFY_PREVIEW_METHOD'] as const;
const DISCORD_KEYS = ['DISCORD_TOKEN', 'DISCORD_GUILD_ID', 'DISCORD_API_BASE'] as const;

function comfyFrom(e: Pick<Env, (typeof COMFY_KEYS)[number]>): ComfyConfig {
  return {
    servers: e.COMFY_SERVERS_FILE
      ? readServersFile(e.COMFY_SERVERS_FILE)
      : e.COMFY_URL.map((url) => ({ name: null, url, weight: 1, auth: e.COMFY_AUTH, headers: e.COMFY_HEADERS })),
    lostAfterMs: e.COMFY_LOST_AFTER_SECONDS * 1000,
    previewMethod: e.COMFY_PREVIEW_METHOD,
  };
}

const empty = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);

function discordFrom(e: Pick<Env, (typeof DISCORD_KEYS)[number]>): Config['discord'] {
  return { token: empty(e.DISCORD_TOKEN), guildId: empty(e.DISCORD_GUILD_ID), apiBase: empty(e.DISCORD_API_BASE) };
}

/** LOG_LEVEL alone; null when it is not set, so each CLI verb keeps its own default. */
export function loadLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel | null {
  return parseEnv(['LOG_LEVEL'], env).LOG_LEVEL ?? null;
}

/** What `generate` and `templates` read: the servers, the templates' folder, the input size cap. */
export interface ComfySettings {
  comfy: ComfyConfig;
  workflowsDir: string | null;
  maxImageBytes: number;
}

export function loadComfySettings(env: NodeJS.ProcessEnv = process.env): ComfySettings {
  const e = parseEnv([...COMFY_KEYS, 'WORKFLOWS_DIR', 'ATTACHMENT_MAX_BYTES'], env);
  return { comfy: comfyFrom(e), workflowsDir: e.WORKFLOWS_DIR, maxImageBytes: e.ATTACHMENT_MAX_BYTES };
}

/** What `backup` reads. */
export function loadDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return parseEnv(['DATA_DIR'], env).DATA_DIR;
}

/** What `register` reads: Discord, the templates (their choices) and whether commands work in DMs. */
export interface RegisterSettings {
  discord: Config['discord'];
  workflowsDir: string | null;
  access: Pick<Config['access'], 'allowDms'>;
}

export function loadRegisterSettings(env: NodeJS.ProcessEnv = process.env): RegisterSettings {
  const e = parseEnv([...DISCORD_KEYS, 'WORKFLOWS_DIR', 'ALLOW_DMS'], env);
  return { discord: discordFrom(e), workflowsDir: e.WORKFLOWS_DIR, access: { allowDms: e.ALLOW_DMS } };
}

/** Every setting, for the bot (defaults to process.env). Throws ConfigError with every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseWholeEnv(env);
  return {
    comfy: comfyFrom(e),
    workflowsDir: e.WORKFLOWS_DIR,
    logLevel: e.LOG_LEVEL ?? 'info',
    logFormat: e.LOG_FORMAT,
    dataDir: e.DATA_DIR,
    store: { allowNewStore: e.ALLOW_NEW_STORE, checkpointIntervalMs: e.STORE_CHECKPOINT_SECONDS * 1000 },
    discord: discordFrom(e),
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

/** COMFYCORD_DEBUG: the CLI prints an unexpected error's stack as well (for bug reports). */
export function debugWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['COMFYCORD_DEBUG'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
