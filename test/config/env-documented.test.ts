import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-paths.ts';

/** Variables of the system itself, not comfycord's: documented by the shell and the OS. */
const SYSTEM = new Set(['HOME', 'PATH', 'PWD']);

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, keep);
    return keep(name) ? [path] : [];
  });
}

/** Every environment variable the shipped code reads, with the files that read it. */
function variablesRead(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const note = (name: string, file: string) => {
    if (SYSTEM.has(name)) return;
    const files = found.get(name) ?? new Set<string>();
    files.add(relative(REPO_ROOT, file));
    found.set(name, files);
  };
  const typescript = [
    ...filesUnder(join(REPO_ROOT, 'src'), (name) => name.endsWith('.ts')),
    ...filesUnder(join(REPO_ROOT, 'bin'), (name) => name.endsWith('.js')),
    ...filesUnder(join(REPO_ROOT, 'scripts'), (name) => name.endsWith('.mjs')),
    ...readdirSync(REPO_ROOT).filter((name) => /^vitest.*\.config\.ts$/.test(name)).map((name) => join(REPO_ROOT, name)),
  ];
  for (const file of typescript) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\benv(?:\[['"]([A-Z][A-Z0-9_]*)['"]\]|\.([A-Z][A-Z0-9_]*)\b)/g)) note(match[1] ?? match[2]!, file);
  }
  // The settings schema: one field per variable.
  const schema = join(REPO_ROOT, 'src', 'config-schema.ts');
  for (const match of readFileSync(schema, 'utf8').matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)) note(match[1]!, schema);
  for (const file of [join(REPO_ROOT, 'run'), ...filesUnder(join(REPO_ROOT, 'scripts'), (name) => name.endsWith('.sh'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) note(match[1]!, file);
  }
  return found;
}

describe('.env.example', () => {
  it('documents every environment variable the code reads (settings, launcher, CLI, test corpus)', () => {
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    // A setting (NAME=value) or a variable described in a comment (# NAME=…).
    const documented = new Set([...example.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    const read = variablesRead();
    // The scan finds what it should: settings, the launcher's and the CLI's own.
    for (const name of ['DISCORD_TOKEN', 'COMFY_URL', 'LOG_LEVEL', 'COMFYCORD_DEBUG', 'COMFYCORD_NODE_CACHE', 'COMFYCORD_NODE_VERSION', 'INIT_CWD', 'COMFYCORD_CORPUS_DIR']) {
      expect(read.has(name), name).toBe(true);
    }
    const undocumented = [...read].filter(([name]) => !documented.has(name)).map(([name, files]) => `${name} (${[...files].join(', ')})`);
    expect(undocumented).toEqual([]);
  });

  it('LOG_LEVEL is read by the configuration module only', () => {
    const readers = variablesRead().get('LOG_LEVEL');
    expect([...(readers ?? [])]).toEqual(['src/config-schema.ts']);
  });
});
