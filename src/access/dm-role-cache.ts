import { systemClock, type Clock } from '../clock.ts';
import { ComfycordError } from '../errors.ts';
import type { AccessErrorCode } from './error-codes.ts';

/** The allowed roles a user holds in the guilds the bot serves (the Discord adapter asks the API). */
export type GuildRoleLookup = (userId: string) => Promise<string[]>;

/** What the access check needs of the cache: the roles behind a DM. */
export interface DmRoleSource {
  rolesOf(userId: string): Promise<string[]>;
}

export class RoleLookupError extends ComfycordError<AccessErrorCode> {
  constructor(userId: string, cause: unknown) {
    super('DM_ROLES_UNAVAILABLE', 'The bot could not check your roles in its servers just now, so it cannot take commands in this DM yet. Please try again in a minute.', {
      context: { userId },
      cause,
    });
  }
}

export interface DmRoleCacheOptions {
  lookup: GuildRoleLookup;
  clock?: Clock;
  /** How long a user found holding a role is remembered. @default 5 minutes */
  heldTtlMs?: number;
  /** How long a user found holding none is remembered (shorter: a role just given should count soon). @default 1 minute */
  noneTtlMs?: number;
  /** Users remembered at most; the oldest is forgotten first. @default 10_000 */
  maxEntries?: number;
}

interface Entry {
  roles: string[];
  until: number;
}

/**
 * Roles behind DMs, remembered for minutes so a user's every DM does not cost one member
 * lookup per guild, and so a burst of DMs from one user makes one lookup, not many. A
 * failed lookup is not remembered: the next DM asks again.
 */
export class DmRoleCache implements DmRoleSource {
  readonly #lookup: GuildRoleLookup;
  readonly #clock: Clock;
  readonly #heldTtlMs: number;
  readonly #noneTtlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<string[]>>();

  constructor(options: DmRoleCacheOptions) {
    this.#lookup = options.lookup;
    this.#clock = options.clock ?? systemClock;
    this.#heldTtlMs = options.heldTtlMs ?? 5 * 60_000;
    this.#noneTtlMs = options.noneTtlMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** Throws RoleLookupError when Discord could not be asked. */
  rolesOf(userId: string): Promise<string[]> {
    const entry = this.#entries.get(userId);
    if (entry && entry.until > this.#clock.now()) return Promise.resolve(entry.roles);
    if (entry) this.#entries.delete(userId);
    let pending = this.#inFlight.get(userId);
    if (!pending) {
      pending = this.#fetch(userId);
      this.#inFlight.set(userId, pending);
    }
    return pending;
  }

  get size(): number {
    return this.#entries.size;
  }

  async #fetch(userId: string): Promise<string[]> {
    let roles: string[];
    try {
      roles = await this.#lookup(userId);
    } catch (error) {
      throw new RoleLookupError(userId, error);
    } finally {
      this.#inFlight.delete(userId);
    }
    const ttl = roles.length > 0 ? this.#heldTtlMs : this.#noneTtlMs;
    this.#entries.set(userId, { roles, until: this.#clock.now() + ttl });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return roles;
  }
}
