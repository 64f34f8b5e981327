import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, type TemplateSet } from './load-templates.ts';

/** The templates that ship with comfycord (the repo's workflows/), used when the working folder has none. */
const BUILTIN_WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workflows');

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
