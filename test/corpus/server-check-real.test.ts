import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/workflows/parse-template.ts';
import { checkTemplateAgainstServer } from '../../src/workflows/server-check.ts';
import { TemplateError } from '../../src/workflows/template-error.ts';
import { OBJECT_INFO_FILE } from '../support/repo-paths.ts';
import { CORPUS_DIR } from './corpus-dir.ts';

/** The real GET /object_info of a ComfyUI 0.3.64 server with no models installed. */
const realInfo = JSON.parse(readFileSync(OBJECT_INFO_FILE, 'utf8')) as Record<string, unknown>;
const messages = (problems: ReturnType<typeof checkTemplateAgainstServer>) => problems.map((p) => `${p.path}: ${p.message}`);

describe('checkTemplateAgainstServer with a real graph using custom nodes', () => {
  it('GIVEN a raw graph with custom nodes THEN each missing node type is named', () => {
    const graph = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'sdxl_txt2img_routed_prompt_lorastack__ambocclusion.json'), 'utf8')) as unknown;
    const template = parseTemplate(graph, 'workflows/routed.json');
    const problems = checkTemplateAgainstServer(template, realInfo);
    expect(messages(problems)).toEqual(expect.arrayContaining([
      "graph.12.class_type: node 12: node type 'Seed (rgthree)' is not installed on the server",
      "graph.21.class_type: node 21: node type 'CR Prompt Text' is not installed on the server",
      "graph.76.class_type: node 76: node type 'SDXL Empty Latent Image (rgthree)' is not installed on the server",
      "options.checkpoint.default: node 69 (CheckpointLoaderSimple): checkpoint 'xl/hdwl_mix.safetensors' is not on the server",
    ]));
    expect(problems.every((p) => p.file === 'workflows/routed.json')).toBe(true);
    expect(new TemplateError(problems).message.split('\n')[0]).toMatch(/^workflows\/routed\.json: graph\.12\.class_type: /);
  });

});
