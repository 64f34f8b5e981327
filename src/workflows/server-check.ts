import { compareNodeIds, formatRef, isLink, nodeId, nodeLabel } from './graph.ts';
import { comboChoices, hasClass, inputInfo, isOutputNode, requiredInputs, type ObjectInfo } from './object-info.ts';
import type { TemplateProblem } from './template-error.ts';
import type { Template, TemplateOption } from './template.ts';

/** What people call the file behind a combo input, for messages like "checkpoint 'x' is not on the server". */
const INPUT_NOUNS: Readonly<Record<string, string>> = {
  ckpt_name: 'checkpoint', lora_name: 'LoRA', vae_name: 'VAE', unet_name: 'diffusion model', control_net_name: 'ControlNet model',
  style_model_name: 'style model', clip_name: 'text encoder', clip_name1: 'text encoder', clip_name2: 'text encoder',
  clip_name3: 'text encoder', clip_name4: 'text encoder', sampler_name: 'sampler', scheduler: 'scheduler',
};

/** Inputs whose file depends on the node: `model_name` and `clip_name` mean other folders there. */
const CLASS_INPUT_NOUNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  UpscaleModelLoader: { model_name: 'upscale model' },
  CLIPVisionLoader: { clip_name: 'CLIP vision model' },
};

function noun(className: string, input: string): string {
  return CLASS_INPUT_NOUNS[className]?.[input] ?? INPUT_NOUNS[input] ?? `${input} value`;
}

function ownersOf(template: Template): Map<string, TemplateOption> {
  const owners = new Map<string, TemplateOption>();
  for (const option of template.options) for (const target of option.targets) owners.set(formatRef(target), option);
  return owners;
}

function checkOptionsAgainstServer(template: Template, info: ObjectInfo, problems: TemplateProblem[]): void {
  const add = (path: string, message: string): void => void problems.push({ file: template.file, path, message });
  for (const option of template.options) {
    const at = `options.${option.name}`;
    const from = option.choicesFrom;
    if (from !== undefined && comboChoices(info, from.class, from.input) === undefined) {
      add(`${at}.choicesFrom`, `the server has no choice list for ${from.class}.${from.input}`);
    }
    for (const target of option.targets) {
      const className = template.graph[target.node]?.class_type ?? '';
      const spec = inputInfo(info, className, target.input);
      if (spec === undefined) continue;
      const where = `${nodeLabel(template.graph, target.node)}.${target.input}`;
      if (option.max !== undefined && spec.max !== undefined && option.max > spec.max) {
        add(`${at}.max`, `${option.max} is above the server's maximum ${spec.max} for ${where}`);
      }
      if (option.min !== undefined && spec.min !== undefined && option.min < spec.min) {
        add(`${at}.min`, `${option.min} is below the server's minimum ${spec.min} for ${where}`);
      }
      for (const choice of option.choices ?? []) {
        if (spec.choices !== undefined && !spec.upload && !spec.choices.includes(choice)) {
          add(`${at}.choices`, `${noun(className, target.input)} '${choice}' is not on the server (${where})`);
        }
      }
    }
  }
}

/**
 * Checks a template against a server's /object_info: every node type installed (or
 * one the server rewrites to an installed one: `replacements`, old class → new class,
 * from a newer server's /node_replacements; its inputs are then the server's to map), every
 * required input present, every combo value (checkpoint, sampler, scheduler… as the job
 * would send it: the option's default where an option sets the input) on the server's
 * list, numbers within the server's bounds, option bounds within the server's, and an
 * output node. Returns the problems (empty when the server can run the template);
 * `new TemplateError(problems)` turns them into one error.
 */
export function checkTemplateAgainstServer(
  template: Template,
  objectInfo: ObjectInfo,
  replacements: Readonly<Record<string, string>> = {},
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const add = (path: string, message: string): void => void problems.push({ file: template.file, path, message });
  const owners = ownersOf(template);
  let allKnown = true;
  for (const id of Object.keys(template.graph).sort(compareNodeIds)) {
    const node = template.graph[id];
    if (node === undefined) continue;
    const label = nodeLabel(template.graph, id);
    if (!hasClass(objectInfo, node.class_type)) {
      const rewrittenTo = Object.hasOwn(replacements, node.class_type) ? replacements[node.class_type] : undefined;
      if (rewrittenTo !== undefined && hasClass(objectInfo, rewrittenTo)) continue;
      allKnown = false;
      add(`graph.${id}.class_type`, `node ${nodeId(id)}: node type '${node.class_type}' is not installed on the server`);
      continue;
    }
    for (const input of requiredInputs(objectInfo, node.class_type)) {
      if (!Object.hasOwn(node.inputs, input)) add(`graph.${id}.inputs`, `${label}: required input '${input}' is missing`);
    }
    for (const [input, graphValue] of Object.entries(node.inputs)) {
      if (isLink(graphValue)) continue;
      const spec = inputInfo(objectInfo, node.class_type, input);
      if (spec === undefined) continue;
      const owner = owners.get(formatRef({ node: id, input }));
      // A required option always replaces the graph's value; a default replaces it unless drawn at random.
      if (owner?.required === true || owner?.default === 'random') continue;
      const value = owner?.default ?? graphValue;
      const path = owner === undefined ? `graph.${id}.inputs.${input}` : `options.${owner.name}.default`;
      if (spec.choices !== undefined && !spec.upload && typeof value === 'string' && !spec.choices.includes(value)) {
        add(path, `${label}: ${noun(node.class_type, input)} '${value}' is not on the server`);
      }
      if (typeof value === 'number' && spec.max !== undefined && value > spec.max) {
        add(path, `${label}: ${input} ${value} is above the server's maximum ${spec.max}`);
      }
      if (typeof value === 'number' && spec.min !== undefined && value < spec.min) {
        add(path, `${label}: ${input} ${value} is below the server's minimum ${spec.min}`);
      }
    }
  }
  const served = (classType: string): string => (Object.hasOwn(replacements, classType) ? (replacements[classType] ?? classType) : classType);
  if (allKnown && !Object.values(template.graph).some((node) => isOutputNode(objectInfo, served(node.class_type)))) {
    add('graph', 'the graph has no output node (such as SaveImage), so the server would refuse it');
  }
  checkOptionsAgainstServer(template, objectInfo, problems);
  checkOptionalImages(template, objectInfo, problems);
  return problems;
}

/**
 * An optional image that is not given takes its LoadImage out of the graph, and every link
 * to it (render.ts), which is only sound where those links go into optional inputs.
 */
function checkOptionalImages(template: Template, info: ObjectInfo, problems: TemplateProblem[]): void {
  for (const option of template.options) {
    if (option.type !== 'image' || option.required || option.default !== undefined) continue;
    const loaders = new Set(option.targets.map((target) => target.node));
    for (const id of Object.keys(template.graph).sort(compareNodeIds)) {
      const node = template.graph[id];
      if (node === undefined || loaders.has(id)) continue;
      const required = new Set(requiredInputs(info, node.class_type));
      for (const [input, value] of Object.entries(node.inputs)) {
        if (!isLink(value) || !loaders.has(value[0]) || !required.has(input)) continue;
        problems.push({
          file: template.file,
          path: `options.${option.name}`,
          message: `${option.name} is optional, but ${nodeLabel(template.graph, id)} needs it in required input '${input}' (a job without ${option.name} would be refused): link it only into optional inputs, or make ${option.name} required`,
        });
      }
    }
  }
}
