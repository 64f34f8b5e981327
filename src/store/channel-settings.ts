import { z } from 'zod';
import { TEMPLATE_ROLES } from '../workflows/index.ts';
import { SettingValueInvalidError } from './store-errors.ts';
import type { Logger } from '../log.ts';
import { inTransaction, type DatabaseSync, type SqlRow, type StatementSync } from './sqlite.ts';

/**
 * Per-channel (and per-guild) defaults an admin sets (template, size, steps, spoiler, a template per role). Stored one row
 * per key, so adding a setting is a line here, not a migration. Values are JSON,
 * validated on the way in and on the way out.
 */
const SETTING_SCHEMAS = {
  template: z.string().min(1),
  size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  steps: z.number().int().positive(),
  spoiler: z.boolean(),
  /** The template each button or command of a role uses here (Zoom Out → `outpaint`), by role. */
  roles: z.partialRecord(z.enum(TEMPLATE_ROLES), z.string().min(1)),
} as const;

export type ChannelSettingKey = keyof typeof SETTING_SCHEMAS;
export type ChannelSettings = { [K in ChannelSettingKey]?: z.infer<(typeof SETTING_SCHEMAS)[K]> };

const SERVER_SCOPE_PREFIX = 'guild:';

/**
 * The row id of a guild's own defaults (`/settings scope:server`), kept beside the
 * channels' rows: a channel id is a snowflake (digits only), so this never names a channel.
 */
function serverScopeId(guildId: string): string {
  return `${SERVER_SCOPE_PREFIX}${guildId}`;
}

function isSettingKey(key: string): key is ChannelSettingKey {
  return Object.hasOwn(SETTING_SCHEMAS, key);
}

export interface SettingsInPlace {
  settings: ChannelSettings;
  /** What the channel has not set and its server's defaults fill: `template`, `size`, `steps`, `spoiler`, a role. */
  fromServer: ReadonlySet<string>;
}

const PLAIN_KEYS = ['template', 'size', 'steps', 'spoiler'] as const satisfies ReadonlyArray<Exclude<keyof ChannelSettings, 'roles'>>;

/**
 * A channel's defaults over its server's, key by key (each role template on its own):
 * the channel's value, else the server's, else none (the template's or the bot's own apply).
 */
function overServerDefaults(own: ChannelSettings, server: ChannelSettings): SettingsInPlace {
  const fromServer = new Set<string>();
  const settings: ChannelSettings = { ...own };
  for (const key of PLAIN_KEYS) {
    if (own[key] !== undefined || server[key] === undefined) continue;
    Object.assign(settings, { [key]: server[key] });
    fromServer.add(key);
  }
  const roles: NonNullable<ChannelSettings['roles']> = { ...own.roles };
  for (const role of TEMPLATE_ROLES) {
    const chosen = server.roles?.[role];
    if (roles[role] !== undefined || chosen === undefined) continue;
    roles[role] = chosen;
    fromServer.add(role);
  }
  if (Object.keys(roles).length > 0) settings.roles = roles;
  return { settings, fromServer };
}

export class ChannelSettingsStore {
  readonly #db: DatabaseSync;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #select: StatementSync;
  readonly #selectGuild: StatementSync;
  readonly #upsert: StatementSync;
  readonly #deleteAll: StatementSync;
  readonly #deleteKey: StatementSync;

  constructor(db: DatabaseSync, logger: Logger, now: () => number) {
    this.#db = db;
    this.#logger = logger;
    this.#now = now;
    this.#select = db.prepare('SELECT channel_id, key, value FROM channel_settings WHERE channel_id = ?');
    this.#selectGuild = db.prepare(`SELECT channel_id, key, value FROM channel_settings WHERE guild_id = ? AND channel_id NOT LIKE '${SERVER_SCOPE_PREFIX}%' ORDER BY channel_id`);
    this.#upsert = db.prepare(
      `INSERT INTO channel_settings (channel_id, key, guild_id, value, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, key) DO UPDATE SET guild_id = excluded.guild_id, value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#deleteAll = db.prepare('DELETE FROM channel_settings WHERE channel_id = ?');
    this.#deleteKey = db.prepare('DELETE FROM channel_settings WHERE channel_id = ? AND key = ?');
  }

  /** The channel's settings (or a guild's own, by serverScopeId); keys never set are absent. */
  get(channelId: string): ChannelSettings {
    return this.#collect(this.#select.all(channelId)).get(channelId) ?? {};
  }

  /** A guild's own defaults (`/settings scope:server`), which its channels take where they set nothing. */
  getServer(guildId: string): ChannelSettings {
    return this.get(serverScopeId(guildId));
  }

  setServer(guildId: string, settings: ChannelSettings): void {
    this.set(serverScopeId(guildId), guildId, settings);
  }

  clearServer(guildId: string): number {
    return this.clear(serverScopeId(guildId));
  }

  /**
   * The defaults in force in a channel: its own, else its guild's (overServerDefaults).
   * A guild's defaults reach only that guild's channels: a DM (no guild) has none.
   */
  inPlace(channelId: string | null, guildId: string | null): SettingsInPlace {
    return overServerDefaults(channelId === null ? {} : this.get(channelId), guildId === null ? {} : this.getServer(guildId));
  }

  /** Every channel of a guild that has settings, for an admin overview (not the guild's own row). */
  forGuild(guildId: string): Map<string, ChannelSettings> {
    return this.#collect(this.#selectGuild.all(guildId));
  }

  /** Sets the given keys (others keep their values), all or none. */
  set(channelId: string, guildId: string | null, settings: ChannelSettings): void {
    // Callers build settings from user input: an undefined value means "not given".
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    const entries = Object.entries(settings).filter(([, value]) => value !== undefined);
    for (const [key, value] of entries) {
      if (!isSettingKey(key) || !SETTING_SCHEMAS[key].safeParse(value).success) {
        throw new SettingValueInvalidError(key, typeof value === 'string' ? value : JSON.stringify(value), channelId);
      }
    }
    const at = this.#now();
    inTransaction(this.#db, () => {
      for (const [key, value] of entries) this.#upsert.run(channelId, key, guildId, JSON.stringify(value), at);
    });
  }

  /** Removes the given keys, or all of the channel's settings; returns how many were removed. */
  clear(channelId: string, keys?: readonly ChannelSettingKey[]): number {
    if (keys === undefined) return Number(this.#deleteAll.run(channelId).changes);
    return inTransaction(this.#db, () => keys.reduce((removed, key) => removed + Number(this.#deleteKey.run(channelId, key).changes), 0));
  }

  #collect(rows: SqlRow[]): Map<string, ChannelSettings> {
    const byChannel = new Map<string, ChannelSettings>();
    for (const row of rows) {
      const channelId = String(row['channel_id']);
      const key = String(row['key']);
      const settings = byChannel.get(channelId) ?? {};
      byChannel.set(channelId, settings);
      // A key from a newer version is left alone; a damaged value is reported and ignored.
      if (!isSettingKey(key)) continue;
      const value = this.#parse(key, row['value']);
      if (value.ok) Object.assign(settings, { [key]: value.value });
      else this.#logger.warn({ channelId, key, problem: value.problem }, 'channel setting is damaged; ignored');
    }
    return byChannel;
  }

  #parse(key: ChannelSettingKey, raw: unknown): { ok: true; value: unknown } | { ok: false; problem: string } {
    if (typeof raw !== 'string') return { ok: false, problem: 'not text' };
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return { ok: false, problem: 'not valid JSON' };
    }
    const result = SETTING_SCHEMAS[key].safeParse(data);
    return result.success ? { ok: true, value: result.data } : { ok: false, problem: result.error.issues[0]?.message ?? 'invalid' };
  }
}
