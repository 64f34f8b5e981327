import path from 'node:path';
import { detectBindings } from './detect.ts';
import { templateSpecFromDetection } from './detected-template.ts';
import { checkGraph, deepFreeze, isPlainObject, type PathIssue } from './graph.ts';
import { TemplateError } from './template-error.ts';
import { deriveTemplateName } from './template-name.ts';
import type { Template } from './template.ts';
import { validateTemplate } from './validate-template.ts';

/** The template name a file gives: its base name made plain (src/workflows/template-name.ts). */
export function templateNameOf(file: string): string {
  return deriveTemplateName(path.basename(file).replace(/\.json$/i, ''));
}

/** A "Save (API)" export: `{id: {class_type, inputs}}` with no template wrapper around it. */
export function isRawGraph(value: unknown): boolean {
  return isPlainObject(value) && !Object.hasOwn(value, 'graph') && Object.values(value).some((node) => isPlainObject(node) && Object.hasOwn(node, 'class_type'));
}

function isUiWorkflow(value: unknown): boolean {
  return isPlainObject(value) && Array.isArray(value['nodes']) && Array.isArray(value['links']);
}

function fail(file: string, issues: readonly PathIssue[]): never {
  throw new TemplateError(issues.map((issue) => ({ file, ...issue })));
}

function fromRawGraph(value: unknown, name: string, file: string): Template {
  const issues: PathIssue[] = [];
  if (!checkGraph(value, '', issues)) fail(file, issues);
  const graph = value;
  const result = detectBindings(graph);
  if (!result.ok) fail(file, [{ path: '', message: `a raw graph whose bindings cannot be detected: ${result.reason}` }]);
  const spec = templateSpecFromDetection(graph, result.detection);
  const checked = validateTemplate(spec, { name, file, source: 'detected', notes: result.detection.notes });
  if ('issues' in checked) fail(file, checked.issues.map((issue) => ({ ...issue, message: `detected binding: ${issue.message}` })));
  return checked.template;
}

/**
 * Turns a parsed template file into a Template, or throws a TemplateError listing every
 * problem with the file name and JSON path. A raw API graph (no `graph` key) is bound by
 * detection. The returned template and its graph are deep-frozen.
 */
export function parseTemplate(value: unknown, file: string): Template {
  const name = templateNameOf(file);
  if (isUiWorkflow(value)) {
    fail(file, [{ path: '', message: 'this is a UI workflow (saved with "Save"); export the API format with "Save (API)" instead' }]);
  }
  if (isRawGraph(value)) return deepFreeze(structuredClone(fromRawGraph(value, name, file)));
  const checked = validateTemplate(value, { name, file, source: 'declared' });
  if ('issues' in checked) fail(file, checked.issues);
  // A private copy: the caller's object may change later, the template must not.
  return deepFreeze(structuredClone(checked.template));
}

export function parseTemplateText(text: string, file: string): Template {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return parseTemplate(value, file);
}
