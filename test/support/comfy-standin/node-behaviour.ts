import { randomInt } from 'node:crypto';
import path from 'node:path';
import {
  encodePreviewFrame,
  encodePreviewWithMetadataFrame,
  encodeProgressTextFrame,
  type NodeOutput,
  type OutputImage,
} from '../../../src/comfy/messages.ts';
import { folderKey, type FolderType } from './files.ts';
import { describeImage, renderPng, renderPreviewJpeg, rgbFromText, type ImageSource } from './images.ts';
import { mediaOutput } from './media-outputs.ts';
import { pyJson, pyStr } from './py-json.ts';
import { Interrupted, NodeFailure } from './run-errors.ts';
import type { PromptRun } from './run-prompt.ts';
import { isLink } from './schedule.ts';

/**
 * What each node does when it runs. Most nodes finish at once. Samplers (and the
 * test nodes SlowProgress / SlowProgressText) report steps; SaveImage and
 * PreviewImage write real PNGs, the animation, video, audio and text output nodes
 * real files of their kind (media-outputs.ts); RaiseError raises like the transcripts' test node.
 */

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced', 'SlowProgress', 'SlowProgressText']);

type StepKind = { steps: number; preview: 'contain512' | 'latent' | null; text: boolean };

export async function runNode(run: PromptRun, id: string): Promise<NodeOutput | null> {
  const { proc } = run;
  run.startProgress(id);
  if (run.clientId !== null) {
    proc.lastNodeId = id;
    proc.send('executing', { node: id, display_node: id, prompt_id: run.promptId }, run.clientId);
  }
  if (proc.interrupted) throw new Interrupted(id);
  const ui = await perform(run, id);
  if (ui !== null) run.recordOutput(id, ui);
  run.finishProgress(id);
  return ui;
}

async function perform(run: PromptRun, id: string): Promise<NodeOutput | null> {
  const node = run.graph[id];
  if (node === undefined) return null;
  const { class_type: classType, inputs } = node;
  if (classType === 'RaiseError') throw new NodeFailure(id, 'RuntimeError', pyStr(inputs['message'] ?? ''));
  checkModelFiles(run, id);
  const kind = stepKind(run, id);
  if (kind !== null) await runSteps(run, id, kind);
  if (classType === 'SaveImage') return { images: await saveImages(run, id, 'output', stringInput(inputs['filename_prefix'], 'ComfyUI')) };
  if (classType === 'PreviewImage') return { images: await saveImages(run, id, 'temp', `ComfyUI_temp_${randomLetters(5)}`) };
  if (classType === 'SaveImageWebsocket') await sendImagesOverSocket(run, id);
  return mediaOutput(run, id, classType, () => imageSource(run, id));
}

const MODEL_FOLDERS: Record<string, string> = {
  ckpt_name: 'checkpoints',
  lora_name: 'loras',
  vae_name: 'vae',
  model_name: 'upscale_models',
  unet_name: 'diffusion_models',
  clip_name1: 'text_encoders',
  clip_name2: 'text_encoders',
};

/**
 * A loader reached only through an undeclared input is never validated, so a
 * missing model file surfaces at run time, as `folder_paths.get_full_path_or_raise` does.
 */
function checkModelFiles(run: PromptRun, id: string): void {
  const node = run.graph[id];
  if (node === undefined) return;
  for (const spec of run.proc.host.catalogue.inputs(node.class_type)) {
    const folder = MODEL_FOLDERS[spec.name];
    const value = node.inputs[spec.name];
    if (folder === undefined || typeof value !== 'string') continue;
    const options = spec.options['options'];
    const choices = Array.isArray(spec.type) ? spec.type : Array.isArray(options) ? options : undefined;
    if (choices !== undefined && !choices.includes(value)) {
      throw new NodeFailure(id, 'FileNotFoundError', `Model in folder '${folder}' with filename '${value}' not found.`);
    }
  }
}

function stringInput(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function randomLetters(n: number): string {
  const letters = 'abcdefghijklmnopqrstupvxyz';
  return Array.from({ length: n }, () => letters[randomInt(letters.length)]).join('');
}

function stepKind(run: PromptRun, id: string): StepKind | null {
  const node = run.graph[id];
  if (node === undefined) return null;
  const { class_type: classType, inputs } = node;
  const ownSteps = typeof inputs['steps'] === 'number' ? inputs['steps'] : null;
  const isSampler = SAMPLERS.has(classType) || (ownSteps !== null && !/Scheduler/.test(classType));
  if (!isSampler) return null;
  const steps = Math.max(1, samplerSteps(run, id, ownSteps));
  if (classType === 'SlowProgress') return { steps, preview: 'contain512', text: false };
  if (classType === 'SlowProgressText') return { steps, preview: null, text: true };
  const launched = run.proc.host.controls.launchPreviewMethod;
  const previewsOff = (launched ?? run.item.extraData['preview_method']) === 'none';
  return { steps, preview: previewsOff ? null : 'latent', text: false };
}

/** `steps`, or the steps of a linked scheduler (SamplerCustom), or the default. */
function samplerSteps(run: PromptRun, id: string, ownSteps: number | null): number {
  const inputs = run.graph[id]?.inputs ?? {};
  if (ownSteps !== null) {
    const start = inputs['start_at_step'];
    const end = inputs['end_at_step'];
    if (typeof start === 'number' && typeof end === 'number') return Math.min(end, ownSteps) - start;
    return ownSteps;
  }
  for (const value of Object.values(inputs)) {
    if (!isLink(value)) continue;
    const upstream = run.graph[value[0]]?.inputs['steps'];
    if (typeof upstream === 'number') return upstream;
  }
  return run.proc.host.controls.defaultSteps;
}

function imageSource(run: PromptRun, id: string): ImageSource {
  return (
    describeImage(run.graph, id, run.proc.host.files) ?? {
      kind: 'solid',
      width: 64,
      height: 64,
      rgb: rgbFromText(`prompt:${run.promptId}`),
      batch: 1,
    }
  );
}

/** ComfyUI's progress hook: progress_state, then type 4 + progress, or progress + type 1. */
async function runSteps(run: PromptRun, id: string, kind: StepKind): Promise<void> {
  const { proc } = run;
  const source = imageSource(run, id);
  const first = kind.preview === null ? null : await renderPreviewJpeg(source, kind.preview);
  proc.assertAlive();
  const { promptDurationMs, previewEverySteps, previewsChange } = proc.host.controls;
  // Newer servers say when a sampler is loading its models before the first step.
  if (proc.host.dialect.newer) {
    run.setActivity(id, 'loading');
    run.setActivity(id, null);
  }
  for (let step = 1; step <= kind.steps; step += 1) {
    await proc.waitStep(promptDurationMs === null ? undefined : run.startedAt + (step * promptDurationMs) / kind.steps);
    if (kind.text) proc.sendBinary(encodeProgressTextFrame(id, `step ${step}/${kind.steps}`), null);
    if (proc.interrupted) throw new Interrupted(id);
    run.updateProgress(id, step, kind.steps);
    proc.host.emitProgress?.(run.promptId, id, step, kind.steps);
    const progress = { value: step, max: kind.steps, prompt_id: run.promptId, node: id };
    const preview = first === null || !previewsChange || kind.preview === null ? first : await renderPreviewJpeg(shaded(source, step), kind.preview);
    if (preview !== null && step % previewEverySteps === 0) proc.host.emitPreview?.(run.promptId, id, preview);
    if (preview === null || step % previewEverySteps !== 0) {
      proc.send('progress', progress, run.clientId);
    } else if (proc.sockets.supportsPreviewMetadata(run.clientId)) {
      const metadata = { node_id: id, prompt_id: run.promptId, display_node_id: id, parent_node_id: null, real_node_id: id, image_type: 'image/jpeg' };
      proc.sendBinary(encodePreviewWithMetadataFrame(preview, pyJson(metadata)), run.clientId);
      proc.send('progress', progress, run.clientId);
    } else {
      proc.send('progress', progress, run.clientId);
      proc.sendBinary(encodePreviewFrame(preview, 'jpeg'), run.clientId);
    }
  }
}

/** A flat source one shade further per step (a file source is left as it is). */
function shaded(source: ImageSource, step: number): ImageSource {
  if (source.kind !== 'solid') return source;
  const [r, g, b] = source.rgb;
  return { ...source, rgb: [(r + step * 37) % 256, (g + step * 23) % 256, b] };
}

async function saveImages(run: PromptRun, id: string, type: FolderType, prefix: string): Promise<OutputImage[]> {
  const files = run.proc.host.files;
  const normalized = path.posix.normalize(prefix.replace(/\\/g, '/'));
  const subfolder = path.posix.dirname(normalized) === '.' ? '' : path.posix.dirname(normalized);
  const name = path.posix.basename(normalized);
  if (folderKey(subfolder, name) === null) {
    throw new NodeFailure(id, 'Exception', `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${subfolder}`);
  }
  const source = imageSource(run, id);
  const images: OutputImage[] = [];
  for (let index = 0; index < source.batch; index += 1) {
    const png = await renderPng(source, index, run.proc.host.controls.outputTexture);
    run.proc.assertAlive();
    const counter = files.nextCounter(type, subfolder, name);
    const filename = `${name}_${String(counter).padStart(5, '0')}_.png`;
    files.folder(type).set(folderKey(subfolder, filename) ?? filename, png);
    images.push({ filename, subfolder, type });
  }
  return images;
}

/** SaveImageWebsocket: full PNGs as binary type 1 with format 2, to the submitting client only. */
async function sendImagesOverSocket(run: PromptRun, id: string): Promise<void> {
  const source = imageSource(run, id);
  for (let index = 0; index < source.batch; index += 1) {
    run.proc.sendBinary(encodePreviewFrame(await renderPng(source, index), 'png'), run.clientId);
  }
}
