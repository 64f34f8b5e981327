import { afterEach, describe, expect, it } from 'vitest';
import { forgetLoadedSqlite, sqlite } from '../../src/store/sqlite.ts';
import { SqliteUnavailableError } from '../../src/store/store-errors.ts';

/**
 * What reaches Node's own `process.emitWarning` while `run` executes: a recording
 * stand-in takes its place for the duration, so nothing is printed by the test.
 */
function warningsPassedOn(run: () => void): string[] {
  const real = process.emitWarning;
  const seen: string[] = [];
  process.emitWarning = ((warning: string | Error, typeOrOptions?: unknown) => {
    const type = typeof typeOrOptions === 'string' ? typeOrOptions : (typeOrOptions as { type?: string } | undefined)?.type;
    seen.push(`${type ?? 'Warning'}: ${typeof warning === 'string' ? warning : warning.message}`);
  });
  const stub = process.emitWarning;
  try {
    run();
    // The loader must hand back exactly the function it found.
    expect(process.emitWarning).toBe(stub);
  } finally {
    process.emitWarning = real;
  }
  return seen;
}

const NODE22_MESSAGE = 'SQLite is an experimental feature and might change at any time';

describe('loading node:sqlite', () => {
  afterEach(() => forgetLoadedSqlite());

  it('drops exactly Node\'s SQLite ExperimentalWarning while loading, and nothing else', () => {
    forgetLoadedSqlite();
    // Only the constructor's presence is checked.
    // eslint-disable-next-line @typescript-eslint/no-extraneous-class
    const fake = { DatabaseSync: class {} };
    const warnings = warningsPassedOn(() => {
      // What Node 22.13+ does on first load, plus warnings that must still get through.
      const loaded = sqlite(() => {
        process.emitWarning(NODE22_MESSAGE, 'ExperimentalWarning');
        process.emitWarning(NODE22_MESSAGE, { type: 'ExperimentalWarning' });
        process.emitWarning('WASI is an experimental feature and might change at any time', 'ExperimentalWarning');
        process.emitWarning(NODE22_MESSAGE, 'DeprecationWarning');
        return fake;
      });
      expect(loaded).toBe(fake);
    });
    expect(warnings).toEqual([
      'ExperimentalWarning: WASI is an experimental feature and might change at any time',
      `DeprecationWarning: ${NODE22_MESSAGE}`,
    ]);
  });

  it('lets the SQLite warning through again once loading is over', () => {
    const warnings = warningsPassedOn(() => {
      forgetLoadedSqlite();
      sqlite(() => ({}));
      process.emitWarning(NODE22_MESSAGE, 'ExperimentalWarning');
    });
    expect(warnings).toEqual([`ExperimentalWarning: ${NODE22_MESSAGE}`]);
  });

  it('turns a Node without node:sqlite into an error naming the version to install, and restores emitWarning', () => {
    forgetLoadedSqlite();
    const original = process.emitWarning;
    const missing = Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' });
    expect(() =>
      sqlite(() => {
        throw missing;
      }),
    ).toThrow(SqliteUnavailableError);
    expect(() =>
      sqlite(() => {
        throw missing;
      }),
    ).toThrow(/Node\.js 22\.13 or newer/);
    expect(process.emitWarning).toBe(original);
  });

  it('loads the real module once and caches it', () => {
    forgetLoadedSqlite();
    const real = sqlite();
    expect(typeof real.DatabaseSync).toBe('function');
    expect(sqlite(() => ({ other: true }))).toBe(real);
  });
});
