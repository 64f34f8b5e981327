import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TemplateUnknownError } from './option-errors.ts';
import { parseTemplateText } from './parse-template.ts';
import { TemplateError } from './template-error.ts';
import type { Template } from './template.ts';

/** Larger than any real graph by far; a bigger file is a mistake (a model, an image) dropped in the folder. */
export const MAX_TEMPLATE_BYTES = 2 * 1024 * 1024;

/**
 * The templates of one folder, by name, plus the files that failed. Loading never stops at
 * the first bad file: the CLI lists every error and runs the good templates; the bot calls
 * `throwIfInvalid()` and refuses to start.
 */
export class TemplateSet {
  readonly #byName: ReadonlyMap<string, Template>;
  readonly errors: readonly TemplateError[];

  constructor(templates: readonly Template[], errors: readonly TemplateError[] = []) {
    const sorted = [...templates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#byName = new Map(sorted.map((template) => [template.name, template]));
    this.errors = errors;
  }

  /** Names in sorted order. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Templates in name order. */
  list(): Template[] {
    return [...this.#byName.values()];
  }

  get size(): number {
    return this.#byName.size;
  }

  get(name: string): Template | undefined {
    return this.#byName.get(name);
  }

  /** The template a user asked for, or a TemplateUnknownError naming the ones that exist. */
  require(name: string): Template {
    const template = this.#byName.get(name);
    if (template !== undefined) return template;
    throw new TemplateUnknownError(name, this.names());
  }

  /** Throws one TemplateError listing every problem of every bad file. */
  throwIfInvalid(): void {
    if (this.errors.length > 0) throw new TemplateError(this.errors.flatMap((error) => error.problems));
  }
}

async function loadOne(file: string): Promise<Template> {
  const info = await stat(file);
  if (info.size > MAX_TEMPLATE_BYTES) {
    throw new TemplateError([{ file, path: '', message: `the file is ${info.size} bytes; a template is at most ${MAX_TEMPLATE_BYTES}` }]);
  }
  return parseTemplateText(await readFile(file, 'utf8'), file);
}

/**
 * Loads every `*.json` in `dir` (other files, such as README.md, are skipped). File
 * labels in messages are `dir` joined with the file name, as the caller wrote `dir`.
 * A folder that cannot be read is a TemplateError.
 */
export async function loadTemplates(dir: string): Promise<TemplateSet> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.') && e.name.toLowerCase().endsWith('.json')).map((e) => e.name);
  } catch (error) {
    throw new TemplateError([{ file: dir, path: '', message: `cannot read the templates folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  const templates: Template[] = [];
  const errors: TemplateError[] = [];
  const fileOfName = new Map<string, string>();
  for (const name of entries.sort()) {
    const file = path.join(dir, name);
    try {
      const template = await loadOne(file);
      // Derived names can meet ("My Fox.json" and "my-fox.json"): the first file in name order keeps it.
      const first = fileOfName.get(template.name);
      if (first !== undefined) {
        throw new TemplateError([{ file, path: '', message: `gives the template name '${template.name}', as ${path.basename(first)} does: rename one of the two files` }]);
      }
      fileOfName.set(template.name, file);
      templates.push(template);
    } catch (error) {
      if (error instanceof TemplateError) errors.push(error);
      else errors.push(new TemplateError([{ file, path: '', message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]));
    }
  }
  return new TemplateSet(templates, errors);
}
