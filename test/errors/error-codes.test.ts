import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/repo-paths.ts';

/**
 * Stable error codes, checked over the source: each layer lists its codes in one
 * module (`src/<layer>/error-codes.ts`, `src/error-codes.ts` for the base files), every
 * code is raised from exactly one place, in its own layer, and no code means two things.
 */

const SRC = join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer a file belongs to, as the dependency map in .dependency-cruiser.mjs draws them. */
function layerOf(file: string): string {
  const path = relative(SRC, file).split('\\').join('/');
  if (path === 'cli.ts') return 'cli';
  const slash = path.indexOf('/');
  if (slash === -1 || path.startsWith('redact/')) return 'base';
  return path.slice(0, slash);
}

function codesModuleOf(layer: string): string {
  return layer === 'base' ? join(SRC, 'error-codes.ts') : join(SRC, layer, 'error-codes.ts');
}

interface RaiseSite {
  code: string;
  file: string;
  line: number;
}

const RAISE = /(?:super|new ComfycordError)\(\s*'([A-Z][A-Z0-9_]*)'/g;

function raiseSites(files: string[]): RaiseSite[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(RAISE)].map((match) => ({
      code: match[1]!,
      file: relative(REPO_ROOT, file),
      line: text.slice(0, match.index).split('\n').length,
    }));
  });
}

async function listedCodes(): Promise<Map<string, string[]>> {
  const lists = new Map<string, string[]>();
  for (const file of sourceFiles(SRC).filter((path) => path.endsWith('/error-codes.ts'))) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const exported = Object.entries(module).filter(([name]) => name.endsWith('_ERROR_CODES'));
    expect(exported.length, `${relative(REPO_ROOT, file)} exports one *_ERROR_CODES list`).toBe(1);
    const codes = exported[0]![1];
    expect(Array.isArray(codes), `${relative(REPO_ROOT, file)}: the list is an array`).toBe(true);
    lists.set(layerOf(file), codes as string[]);
  }
  return lists;
}

describe('error codes', () => {
  const files = sourceFiles(SRC);
  const sites = raiseSites(files);

  it('finds the raising sites it checks (the pattern still matches the code)', () => {
    expect(sites.length).toBeGreaterThan(40);
    expect(sites.map((site) => site.code)).toContain('QUEUE_FULL');
  });

  it('every code raised is listed in the code module of the layer that raises it', async () => {
    const lists = await listedCodes();
    const unlisted = sites
      .filter((site) => !(lists.get(layerOf(join(REPO_ROOT, site.file))) ?? []).includes(site.code))
      .map((site) => `${site.file}:${site.line} raises ${site.code}, not in ${relative(REPO_ROOT, codesModuleOf(layerOf(join(REPO_ROOT, site.file))))}`);
    expect(unlisted).toEqual([]);
  });

  it('every listed code is raised from exactly one place', async () => {
    const lists = await listedCodes();
    const problems: string[] = [];
    for (const [layer, codes] of lists) {
      for (const code of codes) {
        const where = sites.filter((site) => site.code === code);
        if (where.length !== 1) {
          problems.push(`${code} (${layer}) is raised from ${where.length} places${where.length > 0 ? `: ${where.map((site) => `${site.file}:${site.line}`).join(', ')}` : ''}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('no code belongs to two layers, and no list repeats a code', async () => {
    const lists = await listedCodes();
    const all = [...lists.values()].flat();
    expect(all.filter((code, index) => all.indexOf(code) !== index)).toEqual([]);
  });

  it('every error class names its layer’s code type, so a mistyped code does not compile', () => {
    const untyped = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/class (\w+) extends ComfycordError(?!<)/g)].map((match) => `${relative(REPO_ROOT, file)}: ${match[1]}`),
    );
    expect(untyped).toEqual([]);
  });

  it('the catch-all INPUT_INVALID is gone: users can tell refusals apart by code', () => {
    const users = files.filter((file) => readFileSync(file, 'utf8').includes("'INPUT_INVALID'")).map((file) => relative(REPO_ROOT, file));
    expect(users).toEqual([]);
  });
});
