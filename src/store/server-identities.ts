import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from './sqlite.ts';

/**
 * The clientId the bot uses with each ComfyUI server, kept across restarts. ComfyUI
 * sends a prompt's progress to the clientId that submitted it, so a restarted bot that
 * reconnects with the same id hears about the prompts it left running.
 */
export class ServerIdentities {
  readonly #now: () => number;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;

  constructor(db: DatabaseSync, now: () => number) {
    this.#now = now;
    this.#select = db.prepare('SELECT client_id FROM servers WHERE url = ?');
    this.#upsert = db.prepare(
      `INSERT INTO servers (url, client_id, last_seen) VALUES (?, ?, ?)
       ON CONFLICT (url) DO UPDATE SET client_id = excluded.client_id, last_seen = excluded.last_seen`,
    );
  }

  getClientId(url: string): string | null {
    const value = this.#select.get(serverKey(url))?.['client_id'];
    return typeof value === 'string' ? value : null;
  }

  /** Records the id (and now as last seen). */
  saveClientId(url: string, clientId: string): void {
    this.#upsert.run(serverKey(url), clientId, this.#now());
  }

  /** The stored id, or a new one that is stored before it is returned. */
  clientIdFor(url: string, create: () => string = randomUUID): string {
    const clientId = this.getClientId(url) ?? create();
    this.saveClientId(url, clientId);
    return clientId;
  }
}

/** `http://h:8188`, `http://h:8188/` and `HTTP://H:8188` are one server. */
export function serverKey(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}
