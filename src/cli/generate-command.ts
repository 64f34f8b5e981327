import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ComfyServer } from '../comfy/server.ts';
import { cliServer } from './cli-server.ts';
import type { ComfyConfig } from '../config.ts';
import { InputError } from '../errors.ts';
import { normaliseInputImage } from '../images/normalise-input.ts';
import type { Logger } from '../log.ts';
import { findOption, renderTemplate, seedTargetClasses, type Template } from '../workflows/index.ts';
import type { GenerateArgs } from './cli-args.ts';
import { resultImages } from '../jobs/run-events.ts';
import { ProgressLine } from './progress-line.ts';
import { resolveTemplate } from './template-source.ts';

export interface GenerateIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}

/** Runs one template to the end; returns the saved paths (also printed on stdout). */
export async function runGenerate(args: GenerateArgs, comfy: ComfyConfig, workflowsDir: string, logger: Logger, io: GenerateIo): Promise<string[]> {
  const template = await resolveTemplate(args.template, workflowsDir);
  const values: Record<string, unknown> = { ...args.values };
  // Refuse bad options before touching the server.
  renderTemplate(template, { ...values, ...(args.image ? { image: 'placeholder.png' } : {}) });

  const server = cliServer(comfy, args.server, logger, { connectTimeoutMs: 5_000 });
  const progress = new ProgressLine(io.stderr);
  try {
    await server.connect();
    if (args.image !== null) values['image'] = await uploadInput(server, template, args.image);
    const { graph, resolved } = renderTemplate(template, values, { objectInfo: await seedObjectInfo(server, template) });
    if (resolved['seed'] !== undefined && args.values['seed'] === undefined) progress.note(`seed ${resolved['seed']}`);
    const handle = server.run(graph, { onEvent: (event) => progress.apply(event), signal: io.signal });
    const result = await handle.done;
    progress.finish();
    const images = resultImages(result);
    if (images.length === 0) throw new InputError(`the run finished but template '${template.name}' produced no images`);
    await mkdir(args.out, { recursive: true });
    const paths: string[] = [];
    for (const image of images) {
      const bytes = await server.view(image, io.signal);
      const path = freePath(args.out, basename(image.filename));
      await writeFile(path, bytes);
      io.stdout.write(`${path}\n`);
      paths.push(path);
    }
    return paths;
  } finally {
    await server.close();
  }
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

async function uploadInput(server: ComfyServer, template: Template, file: string): Promise<string> {
  if (!findOption(template, 'image')) throw new InputError(`template '${template.name}' takes no input image (--image)`);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    throw new InputError(`cannot read --image file '${file}'`);
  }
  const width = findOption(template, 'width')?.max;
  const height = findOption(template, 'height')?.max;
  const maxSide = Math.max(width ?? 0, height ?? 0) || 2048;
  const image = await normaliseInputImage(data, { maxSide });
  const uploaded = await server.uploadImage(image.png, `comfycord-cli-${randomUUID()}.png`);
  return uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
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
