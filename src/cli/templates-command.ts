import { basename } from 'node:path';
import { cliServer } from './cli-server.ts';
import type { ComfyConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { checkTemplateAgainstServer, formatProblem, listOptions, type OptionListing, type Template } from '../workflows/index.ts';
import { OPTION_FLAGS } from './cli-args.ts';
import { loadTemplateSet, workflowsDirFor } from '../workflows/template-folder.ts';

/** Human-readable listing of every template; with a server, what it lacks. Returns false if any template is unusable. */
export async function runTemplates(
  server: string | null,
  comfy: ComfyConfig,
  workflowsDir: string | null,
  logger: Logger,
  out: NodeJS.WritableStream,
): Promise<boolean> {
  const dir = workflowsDirFor(workflowsDir);
  const set = await loadTemplateSet(workflowsDir);
  let objectInfo: Record<string, unknown> | null = null;
  let replacements: Record<string, string> = {};
  if (server !== null) {
    const comfyServer = cliServer(comfy, server, logger);
    try {
      objectInfo = await comfyServer.objectInfo();
      replacements = await comfyServer.nodeReplacements();
    } finally {
      await comfyServer.close();
    }
  }
  out.write(`Templates in ${dir}:\n`);
  let ok = set.errors.length === 0;
  for (const template of set.list()) {
    out.write(`\n${describeTemplate(template)}`);
    if (objectInfo !== null) {
      const problems = checkTemplateAgainstServer(template, objectInfo, replacements);
      if (problems.length === 0) out.write(`  server ${server}: has everything this template needs\n`);
      else {
        ok = false;
        out.write(`  server ${server} lacks:\n${problems.map((problem) => `    - ${problem.message}\n`).join('')}`);
      }
    }
  }
  for (const error of set.errors) {
    out.write(`\nBroken template:\n${error.problems.map((problem) => `  ${formatProblem(problem)}\n`).join('')}`);
  }
  return ok;
}

function describeTemplate(template: Template): string {
  const fileName = basename(template.file);
  // A name derived from a file name that was not plain says where it came from.
  const from = fileName.replace(/\.json$/i, '') === template.name ? '' : `, from ${fileName}`;
  const header = `${template.name} (${template.kind}${template.source === 'detected' ? ', detected from a raw graph' : ''}${from})`;
  const lines = [header, ...(template.description ? [`  ${template.description}`] : []), '  options:'];
  for (const option of listOptions(template)) lines.push(`    ${describeOption(option)}`);
  for (const note of template.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

function describeOption(option: OptionListing): string {
  const facts: string[] = [option.type];
  if (option.required) facts.push('required');
  if (option.default !== undefined) facts.push(`default ${JSON.stringify(option.default)}`);
  if (option.min !== undefined || option.max !== undefined) facts.push(`${option.min ?? '…'}..${option.max ?? '…'}`);
  if (option.choices) facts.push(`one of ${option.choices.join(', ')}`);
  if (option.choicesFrom) facts.push(`choices from the server's ${option.choicesFrom.class}.${option.choicesFrom.input}`);
  const flag = option.name in OPTION_FLAGS || option.name === 'image' ? `--${option.name}` : `--set ${option.name}=`;
  return `${flag.padEnd(22)} ${facts.join(', ')}${option.description ? ` — ${option.description}` : ''}`;
}
