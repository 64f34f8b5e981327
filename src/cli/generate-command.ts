import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ComfyServer } from '../comfy/server.ts';
import type { ComfyConfig } from '../config.ts';
import { ComfycordError } from '../errors.ts';
import { CliNoImagesError, CliUsageError } from './cli-errors.ts';
import { normaliseInputImage } from '../images/normalise-input.ts';
import { resultFiles, type OutputFile, type OutputText } from '../jobs/run-events.ts';
import { assertWholeFile } from '../images/whole-media.ts';
import type { Logger } from '../log.ts';
import { findOption, renderTemplate, seedTargetClasses, withPlaceholderPads, type Template } from '../workflows/index.ts';
import { prepareOutpaint } from '../app/outpaint-input.ts';
import type { GenerateArgs } from './cli-args.ts';
import { prepareOutDir, readInputImage, userPath } from './cli-paths.ts';
import { cliServer } from './cli-server.ts';
import { prepareInpaintInputs } from './inpaint-input.ts';
import { ProgressLine } from './progress-line.ts';
import { resolveTemplate } from './template-source.ts';
import type { CliErrorCode } from './error-codes.ts';

/** The options successive --image files bind (src/workflows/template-role.ts: an edit's image, image2, image3). */
const IMAGE_OPTIONS = ['image', 'image2', 'image3'] as const;

export interface GenerateIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C: the prompt is cancelled on the server. */
  signal: AbortSignal;
  /** The folder the user typed the command in; --out, --image and a template path resolve from it. */
  cwd: string;
  /** ATTACHMENT_MAX_BYTES: the largest --image read. */
  maxImageBytes: number;
  /** Receives the progress line, so log lines can be printed above it. */
  onProgress?: (progress: ProgressLine) => void;
}

/** Without --timeout: the CLI's bound when the template sets no timeoutSeconds. */
const DEFAULT_TIMEOUT_SECONDS = 600;

/** The run took longer than --timeout (or the template's timeoutSeconds). */
export class CliTimeoutError extends ComfycordError<CliErrorCode> {
  constructor(seconds: number, source: 'flag' | 'template', downForMs: number | null, host: string) {
    const bound = source === 'flag' ? '--timeout' : "the template's timeoutSeconds; --timeout to change it";
    super(
      'CLI_TIMEOUT',
      downForMs === null
        ? `gave up after ${seconds} s (${bound}); the prompt was cancelled`
        : `gave up after ${seconds} s (${bound}): ComfyUI at ${host} has been down for ${Math.round(downForMs / 1000)} s`,
    );
  }
}

/** --timeout when given, else the template's own timeoutSeconds (a video run outlasts 600 s), else 600 s. */
function runBound(args: GenerateArgs, template: Template): { ms: number; source: 'flag' | 'template' } {
  if (args.timeoutMs !== null) return { ms: args.timeoutMs, source: 'flag' };
  if (template.timeoutSeconds !== undefined) return { ms: template.timeoutSeconds * 1000, source: 'template' };
  return { ms: DEFAULT_TIMEOUT_SECONDS * 1000, source: 'flag' };
}

/** Runs one template to the end; returns the saved paths (also printed on stdout). */
export async function runGenerate(args: GenerateArgs, comfy: ComfyConfig, workflowsDir: string | null, logger: Logger, io: GenerateIo): Promise<string[]> {
  const templateArg = args.template.endsWith('.json') ? userPath(args.template, io.cwd) : args.template;
  const template = await resolveTemplate(templateArg, workflowsDir);
  let values: Record<string, unknown> = { ...args.values };
  // Everything the user can get wrong is refused before the server sees anything.
  const imageBindings = imageOptions(template, args.images.length);
  if (args.mask !== null && !findOption(template, 'mask')) throw new CliUsageError(`template '${template.name}' takes no mask (--mask)`);
  if (args.mask !== null && args.images.length === 0) throw new CliUsageError('--mask needs --image: the image whose part the mask marks');
  const placeholders = {
    ...Object.fromEntries(imageBindings.map((option) => [option, 'placeholder.png'])),
    ...(args.mask === null ? {} : { mask: 'placeholder-mask.png' }),
  };
  renderTemplate(template, { ...withPlaceholderPads(template, values), ...placeholders });
  const inputs: Array<{ option: string; data: Buffer }> = [];
  for (const [index, option] of imageBindings.entries()) {
    const path = args.images[index]!;
    inputs.push({ option, data: await readInputImage(userPath(path, io.cwd), path, io.maxImageBytes) });
  }
  let mask: Buffer | null = null;
  const first = inputs[0];
  if (first !== undefined) {
    // `--set zoom=2` (or pan=, square=) on an outpaint template: the pads from the image's size.
    const outpaint = await prepareOutpaint(template, values, first.data);
    if (outpaint !== null) {
      first.data = outpaint.image;
      values = outpaint.values;
      const { frame, scaled } = outpaint.plan;
      io.stderr.write(`padded to ${frame.width}×${frame.height}${scaled ? ` (the image shrunk to ${outpaint.plan.image.width}×${outpaint.plan.image.height} to fit)` : ''}\n`);
    }
    if (args.mask !== null) {
      const read = await readInputImage(userPath(args.mask, io.cwd), args.mask, io.maxImageBytes, '--mask');
      ({ image: first.data, mask } = await prepareInpaintInputs(first.data, read, maxSideOf(template)));
    }
  }
  const outDir = userPath(args.out, io.cwd);
  await prepareOutDir(outDir, args.out);

  const server = cliServer(comfy, args.server, logger, { connectTimeoutMs: 5_000 });
  const progress = new ProgressLine(io.stderr);
  io.onProgress?.(progress);
  const run = new AbortController();
  const stop = () => run.abort(io.signal.reason);
  io.signal.addEventListener('abort', stop, { once: true });
  let timedOut: CliTimeoutError | null = null;
  const bound = runBound(args, template);
  const deadline =
    bound.ms > 0
      ? setTimeout(() => {
          timedOut = new CliTimeoutError(Math.round(bound.ms / 1000), bound.source, progress.downForMs(), server.host);
          run.abort(timedOut);
        }, bound.ms)
      : null;
  const onState = (state: string) => {
    if (state === 'ready') progress.resumed();
    else if (progress.downForMs() === null) progress.waiting(server.host, Date.now());
  };
  const ticker = setInterval(() => progress.tick(), 1000);
  try {
    await server.connect();
    server.on('state', onState);
    for (const { option, data } of inputs) values[option] = await uploadInput(server, template, data);
    // Already the one-channel PNG the template reads: uploaded as it is.
    if (mask !== null) values['mask'] = await uploadedName(server, mask);
    const { graph, resolved } = renderTemplate(template, values, { objectInfo: await seedObjectInfo(server, template) });
    if (resolved['seed'] !== undefined && args.values['seed'] === undefined) progress.note(`seed ${resolved['seed']}`);
    const handle = server.run(graph, { onEvent: (event) => progress.apply(event), signal: run.signal });
    const result = await handle.done.catch((error: unknown) => {
      throw timedOut ?? (io.signal.aborted ? io.signal.reason : error);
    });
    progress.finish();
    const files = resultFiles(result);
    if (files.length === 0 && result.texts.length === 0) throw new CliNoImagesError(template.name);
    const paths: string[] = [];
    for (const [index, file] of files.entries()) {
      const bytes = await server.view(file, run.signal);
      await assertWholeFile(file, bytes, `output ${index + 1} (${file.filename})`);
      paths.push(await save(outDir, savedName(file), bytes, io.stdout));
    }
    for (const text of result.texts) paths.push(await save(outDir, textName(text), Buffer.from(text.text, 'utf8'), io.stdout));
    return paths;
  } catch (error) {
    progress.abandon();
    // timedOut is set by the deadline's timer, which TypeScript's narrowing does not see.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    throw timedOut ?? error;
  } finally {
    if (deadline !== null) clearTimeout(deadline);
    clearInterval(ticker);
    io.signal.removeEventListener('abort', stop);
    server.off('state', onState);
    await server.close();
  }
}

/** The image options `count` --image files bind, in order (image, image2, image3); more files than the template takes are refused. */
function imageOptions(template: Template, count: number): string[] {
  if (count === 0) return [];
  if (!findOption(template, 'image')) throw new CliUsageError(`template '${template.name}' takes no input image (--image)`);
  const takes = IMAGE_OPTIONS.filter((option, index) => index === 0 || findOption(template, option)?.type === 'image');
  if (count > takes.length) {
    const noun = takes.length === 1 ? 'input image' : 'input images';
    throw new CliUsageError(`template '${template.name}' takes at most ${takes.length} ${noun} (${takes.join(', ')}), got ${count} --image files`);
  }
  return takes.slice(0, count);
}

/** /object_info of just the classes a seed is bound to (the whole list is megabytes on a real server). */
async function seedObjectInfo(server: ComfyServer, template: Template): Promise<Record<string, unknown> | null> {
  const info: Record<string, unknown> = {};
  for (const classType of seedTargetClasses(template)) {
    try {
      Object.assign(info, await server.objectInfo(classType));
    } catch {
      // Unknown class or an old server: the template's own bound still applies.
    }
  }
  return info;
}

/** The largest side the template's image may have: its width/height bounds, else 2048. */
function maxSideOf(template: Template): number {
  const width = findOption(template, 'width')?.max;
  const height = findOption(template, 'height')?.max;
  return Math.max(width ?? 0, height ?? 0) || 2048;
}

async function uploadInput(server: ComfyServer, template: Template, data: Buffer): Promise<string> {
  const image = await normaliseInputImage(data, { maxSide: maxSideOf(template) });
  return uploadedName(server, image.png);
}

async function uploadedName(server: ComfyServer, png: Buffer): Promise<string> {
  const uploaded = await server.uploadImage(png, `comfycord-cli-${randomUUID()}.png`);
  return uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
}

async function save(dir: string, name: string, data: Buffer, stdout: NodeJS.WritableStream): Promise<string> {
  const path = freePath(dir, name);
  await writeFile(path, data);
  stdout.write(`${path}\n`);
  return path;
}

/** ComfyUI's file name, ending in the extension of the kind it was read as (a VHS `.mp4`, an animated `.webp`). */
function savedName(file: OutputFile): string {
  const name = basename(file.filename);
  return extname(name).slice(1).toLowerCase() === file.extension ? name : `${name}.${file.extension}`;
}

/** A text output is saved as `text-<node>.txt` (the node id made safe for a file name). */
function textName(text: OutputText): string {
  return `text-${text.node.replace(/[^\w-]/g, '_').slice(0, 40) || 'node'}.txt`;
}

/** `name.png`, or `name-1.png`, `name-2.png`… when a file of that name is already there. */
function freePath(dir: string, name: string): string {
  const safe = name.replace(/[^\w.\- ]/g, '_') || 'image.png';
  const ext = extname(safe);
  const stem = safe.slice(0, safe.length - ext.length);
  let path = join(dir, safe);
  for (let n = 1; existsSync(path); n += 1) path = join(dir, `${stem}-${n}${ext}`);
  return path;
}
