import { existsSync } from 'node:fs';
import { sqlite, type DatabaseSync, type StatementSync } from './sqlite.ts';

/**
 * The hash of the command definitions last registered with Discord, per scope
 * (`<application>:<guild id>` or `<application>:global`). Start-up compares it with the
 * hash of the definitions it would register and skips Discord when they are equal.
 */
export class CommandRegistrations {
  readonly #now: () => number;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;

  constructor(db: DatabaseSync, now: () => number) {
    this.#now = now;
    this.#select = db.prepare('SELECT hash FROM command_registrations WHERE scope = ?');
    this.#upsert = db.prepare(
      `INSERT INTO command_registrations (scope, hash, registered_at) VALUES (?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET hash = excluded.hash, registered_at = excluded.registered_at`,
    );
  }

  lastHash(scope: string): string | null {
    const value = this.#select.get(scope)?.['hash'];
    return typeof value === 'string' ? value : null;
  }

  record(scope: string, hash: string): void {
    this.#upsert.run(scope, hash, this.#now());
  }
}

/**
 * The last registered hash for `scope`, read from the database file without opening it
 * for writing (a running bot may hold it): null when the file, the table or the row is
 * not there yet.
 */
export function readRegisteredHash(path: string, scope: string): string | null {
  if (!existsSync(path)) return null;
  const { DatabaseSync } = sqlite();
  let db: DatabaseSync | null = null;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec('PRAGMA busy_timeout = 2000');
    const value = db.prepare('SELECT hash FROM command_registrations WHERE scope = ?').get(scope)?.['hash'];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
