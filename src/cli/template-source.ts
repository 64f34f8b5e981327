import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, parseTemplateText, type Template, type TemplateSet } from '../workflows/index.ts';

/** The templates that ship with comfycord, used when the working folder has none. */
export const BUILTIN_WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workflows');

/** WORKFLOWS_DIR as configured, or the shipped folder when that does not exist. */
export function workflowsDirFor(configured: string): string {
  return existsSync(configured) ? configured : BUILTIN_WORKFLOWS_DIR;
}

export async function loadTemplateSet(configured: string): Promise<TemplateSet> {
  return loadTemplates(workflowsDirFor(configured));
}

/** `<template>` is a name in the workflows folder, or a path to a .json file. */
export async function resolveTemplate(argument: string, configured: string): Promise<Template> {
  if (argument.endsWith('.json') && existsSync(argument)) {
    return parseTemplateText(await readFile(argument, 'utf8'), resolve(argument));
  }
  const set = await loadTemplateSet(configured);
  const template = set.get(argument);
  if (template) return template;
  const broken = set.errors.find((error) => error.problems.some((problem) => problem.file.endsWith(`${argument}.json`)));
  if (broken) throw broken;
  return set.require(argument);
}
