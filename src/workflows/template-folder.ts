import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, type TemplateSet } from './load-templates.ts';

/**
 * The templates that ship with comfycord (the repo's workflows/), used when the working
 * folder has none. Found by walking up from this module to the folder that holds
 * package.json, so it is the same from src/ (tsx) and from the bundle in dist/
 * (scripts/build-bot.mjs), whose files sit at another depth.
 */
function builtinWorkflowsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'workflows'))) return join(dir, 'workflows');
    if (dirname(dir) === dir) return join(here, '..', '..', 'workflows');
  }
}
const BUILTIN_WORKFLOWS_DIR = builtinWorkflowsDir();

/**
 * WORKFLOWS_DIR as configured (src/config.ts has checked that it exists); unset, the
 * working folder's workflows/ when there is one, else the shipped folder.
 */
export function workflowsDirFor(configured: string | null): string {
  if (configured !== null) return configured;
  return existsSync('workflows') ? 'workflows' : BUILTIN_WORKFLOWS_DIR;
}

/** The template set the bot, `register` and the CLI all serve: one place decides which folder. */
export async function loadTemplateSet(configured: string | null): Promise<TemplateSet> {
  return loadTemplates(workflowsDirFor(configured));
}
