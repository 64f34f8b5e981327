import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, type TemplateSet } from './load-templates.ts';

/** The templates that ship with comfycord (the repo's workflows/), used when the working folder has none. */
const BUILTIN_WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workflows');

/** WORKFLOWS_DIR as configured, or the shipped folder when that does not exist. */
export function workflowsDirFor(configured: string): string {
  return existsSync(configured) ? configured : BUILTIN_WORKFLOWS_DIR;
}

/** The template set the bot, `register` and the CLI all serve: one place decides which folder. */
export async function loadTemplateSet(configured: string): Promise<TemplateSet> {
  return loadTemplates(workflowsDirFor(configured));
}
