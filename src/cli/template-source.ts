import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseTemplateText, type Template } from '../workflows/index.ts';
import { loadTemplateSet } from '../workflows/template-folder.ts';

/** `<template>` is a name in the workflows folder, or a path to a .json file. */
export async function resolveTemplate(argument: string, configured: string | null): Promise<Template> {
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
