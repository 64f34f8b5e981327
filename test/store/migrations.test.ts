import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isComfycordError } from '../../src/errors.ts';
import { applyMigrations, latestVersion, MIGRATIONS, type Migration } from '../../src/store/migrations.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { MigrationFailedError, SchemaTooNewError, StoreOpenError } from '../../src/store/store-errors.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { rawDatabase, useTempDir } from './store-fixtures.ts';

const tempDir = useTempDir();

const versions = (path: string): Array<{ version: number; name: string }> => {
  const raw = rawDatabase(path);
  const rows = raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string }>;
  raw.close();
  return rows.map(({ version, name }) => ({ version, name }));
};

const tables = (path: string): string[] => {
  const raw = rawDatabase(path);
  const rows = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
  raw.close();
  return rows.map((row) => String(row['name']));
};

describe('migrations', () => {
  it('applies each step once and records its version', () => {
    const path = join(tempDir(), 'comfycord.db');
    const first = openDatabase(path);
    expect(first.migration).toEqual({ from: 0, to: latestVersion(), applied: MIGRATIONS.map((m) => m.version) });
    first.db.close();
    const second = openDatabase(path);
    expect(second.migration).toEqual({ from: latestVersion(), to: latestVersion(), applied: [] });
    second.db.close();
    expect(versions(path)).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(tables(path)).toEqual(['channel_settings', 'command_registrations', 'jobs', 'schema_migrations', 'servers', 'store_identity']);
  });

  it('applies only the new step to a database made by the previous version, keeping its data', () => {
    const path = join(tempDir(), 'comfycord.db');
    const store = SqliteJobStore.open(path);
    store.servers.saveClientId('http://gpu:8188', 'kept');
    store.close();

    const next: Migration = { version: MIGRATIONS.length + 1, name: 'add notes', sql: 'ALTER TABLE jobs ADD COLUMN note TEXT' };
    const opened = openDatabase(path, { migrations: [...MIGRATIONS, next] });
    expect(opened.migration.applied).toEqual([next.version]);
    expect(opened.db.prepare('SELECT client_id FROM servers').get()).toEqual({ client_id: 'kept' });
    opened.db.close();
    expect(versions(path).at(-1)).toEqual({ version: next.version, name: 'add notes' });
  });

  it('rolls a failing step back entirely and does not record it', () => {
    const path = join(tempDir(), 'comfycord.db');
    const broken: Migration = { version: MIGRATIONS.length + 1, name: 'half done', sql: 'CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table;' };
    let error: unknown;
    try {
      openDatabase(path, { migrations: [...MIGRATIONS, broken] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as MigrationFailedError).userMessage).toMatch(new RegExp(`version ${broken.version} \\(half done\\).*no_such_table`));
    expect(tables(path)).not.toContain('extra');
    expect(versions(path).map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // The steps before it were kept, so the released code still opens the file.
    SqliteJobStore.open(path).close();
  });

  it('refuses a database written by a newer version, with a message saying what to do', () => {
    const path = join(tempDir(), 'comfycord.db');
    SqliteJobStore.open(path).close();
    const raw = rawDatabase(path);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(latestVersion() + 5, 'from the future', 0);
    raw.close();
    let error: unknown;
    try {
      SqliteJobStore.open(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(isComfycordError(error) && error.code).toBe('STORE_SCHEMA_TOO_NEW');
    expect((error as SchemaTooNewError).userMessage).toContain(`schema version ${latestVersion() + 5}`);
    expect((error as SchemaTooNewError).userMessage).toMatch(/Upgrade comfycord/);
  });

  it('rejects a list whose versions are not 1, 2, 3 …', () => {
    const raw = rawDatabase(':memory:');
    expect(() => applyMigrations(raw, ':memory:', [{ version: 2, name: 'skips one', sql: '' }])).toThrow(/expected 1/);
    raw.close();
  });

  it('reports a file that is not a database as a StoreOpenError', () => {
    const path = join(tempDir(), 'comfycord.db');
    writeFileSync(path, 'this is a text file, not SQLite '.repeat(64));
    expect(() => SqliteJobStore.open(path)).toThrow(StoreOpenError);
    expect(() => SqliteJobStore.open(path)).toThrow(/not a database/);
  });

  it('reports a DATA_DIR that cannot be created as a StoreOpenError', () => {
    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, '');
    expect(() => SqliteJobStore.open(join(blocker, 'data', 'comfycord.db'))).toThrow(StoreOpenError);
  });
});
