import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, type TemplateSet } from '../src/workflows/index.ts';

export const SHIPPED_WORKFLOWS_DIR = fileURLToPath(new URL('../workflows', import.meta.url));

/** Long progress runs need more sampler steps than the shipped txt2img allows (100). */
const BENCH_MAX_STEPS = 1000;

/**
 * A temporary copy of the shipped templates for the bench's bots, unchanged except
 * that txt2img accepts up to BENCH_MAX_STEPS steps (the progress benchmark runs
 * hundreds of steps at 20 steps/s). The caller removes the folder.
 */
export async function writeBenchWorkflows(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'comfycord-bench-workflows-'));
  for (const name of await readdir(SHIPPED_WORKFLOWS_DIR)) {
    if (!name.endsWith('.json')) continue;
    const text = await readFile(join(SHIPPED_WORKFLOWS_DIR, name), 'utf8');
    if (name !== 'txt2img.json') {
      await writeFile(join(dir, name), text);
      continue;
    }
    const template = JSON.parse(text) as { options: { steps: { max: number } } };
    template.options.steps.max = BENCH_MAX_STEPS;
    await writeFile(join(dir, name), JSON.stringify(template, null, 2));
  }
  return dir;
}

export async function loadBenchTemplates(dir: string): Promise<TemplateSet> {
  const templates = await loadTemplates(dir);
  templates.throwIfInvalid();
  return templates;
}
