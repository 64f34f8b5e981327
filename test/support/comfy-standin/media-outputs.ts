import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import path from 'node:path';
import sharp from 'sharp';
import type { NodeOutput } from '../../../src/comfy/messages.ts';
import { MEDIA_FIXTURES_DIR } from '../repo-paths.ts';
import { folderKey, type FolderType } from './files.ts';
import type { ImageSource } from './images.ts';
import { NodeFailure } from './run-errors.ts';
import type { PromptRun } from './run-prompt.ts';
import { isLink } from './schedule.ts';

/**
 * The output nodes of every other kind, answering as ComfyUI's do (each one's UI output
 * shape is in docs/comfy-protocol.md, "Output kinds"), with real bytes:
 * SaveAnimatedWEBP / SaveAnimatedPNG and VHS's gif/webp formats make real animations
 * with sharp; SaveWEBM, SaveVideo and VHS's video formats write the tiny real videos
 * of test/fixtures/media; SaveAudio (FLAC), SaveAudioMP3, SaveAudioOpus and
 * PreviewAudio the sounds there; PreviewAny shows the text it is given.
 */

const fixtures = new Map<string, Buffer>();
function fixture(name: string): Buffer {
  let data = fixtures.get(name);
  if (data === undefined) {
    data = readFileSync(join(MEDIA_FIXTURES_DIR, name));
    fixtures.set(name, data);
  }
  return data;
}

/** Frames an animation gets: the batch, at least 2 so it animates, at most 8 to stay small. */
function frameCount(source: ImageSource): number {
  return Math.min(8, Math.max(2, source.batch));
}

/** A real animated image: one flat colour per frame, shifted so each frame differs. */
export async function renderAnimation(source: ImageSource, format: 'webp' | 'gif' | 'png'): Promise<Buffer> {
  const [width, height] = source.kind === 'solid' ? [Math.min(source.width, 256), Math.min(source.height, 256)] : [64, 64];
  const [r, g, b] = source.kind === 'solid' ? source.rgb : [200, 100, 50];
  const frames = frameCount(source);
  const raw = Buffer.alloc(width * height * 3 * frames);
  for (let frame = 0; frame < frames; frame += 1) {
    const shade = [r, g, (b + frame * 32) % 256];
    for (let pixel = 0; pixel < width * height; pixel += 1) raw.set(shade, (frame * width * height + pixel) * 3);
  }
  const image = sharp(raw, { raw: { width, height: height * frames, channels: 3, pageHeight: height } });
  const delay = Array.from({ length: frames }, () => 125);
  // libvips writes no APNG: SaveAnimatedPNG's file is its first frame, still a real PNG.
  if (format === 'png') return image.extract({ left: 0, top: 0, width, height }).png().toBuffer();
  return format === 'gif' ? image.gif({ delay, loop: 0 }).toBuffer() : image.webp({ delay, loop: 0 }).toBuffer();
}

function write(run: PromptRun, id: string, type: FolderType, prefix: string, extension: string, data: Buffer): { filename: string; subfolder: string; type: FolderType } {
  const files = run.proc.host.files;
  const normalized = path.posix.normalize(prefix.replace(/\\/g, '/'));
  const subfolder = path.posix.dirname(normalized) === '.' ? '' : path.posix.dirname(normalized);
  const name = path.posix.basename(normalized);
  if (folderKey(subfolder, name) === null) {
    throw new NodeFailure(id, 'Exception', `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${subfolder}`);
  }
  const counter = files.nextCounter(type, subfolder, name);
  const filename = `${name}_${String(counter).padStart(5, '0')}_.${extension}`;
  files.folder(type).set(folderKey(subfolder, filename) ?? filename, data);
  return { filename, subfolder, type };
}

function stringInput(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** VHS_VideoCombine's formats and what each writes. */
const VHS_FORMATS: Record<string, { extension: string; data: (source: ImageSource) => Promise<Buffer> }> = {
  'image/gif': { extension: 'gif', data: (source) => renderAnimation(source, 'gif') },
  'image/webp': { extension: 'webp', data: (source) => renderAnimation(source, 'webp') },
  'video/webm': { extension: 'webm', data: () => Promise.resolve(fixture('tiny.webm')) },
  'video/h264-mp4': { extension: 'mp4', data: () => Promise.resolve(fixture('tiny.mp4')) },
};

/** The text PreviewAny shows: its input's literal value, or that of the node it is linked to. */
function previewText(run: PromptRun, value: unknown): string {
  if (!isLink(value)) return typeof value === 'string' ? value : JSON.stringify(value);
  const upstream = run.graph[value[0]]?.inputs['value'];
  return typeof upstream === 'string' ? upstream : `output ${String(value[1])} of node ${value[0]}`;
}

/** The UI output of one media or text output node; null when `classType` is none of them. */
export async function mediaOutput(run: PromptRun, id: string, classType: string, source: () => ImageSource): Promise<NodeOutput | null> {
  const inputs = run.graph[id]?.inputs ?? {};
  const prefix = (fallback: string) => stringInput(inputs['filename_prefix'], fallback);
  switch (classType) {
    case 'SaveAnimatedWEBP':
      return { images: [write(run, id, 'output', prefix('ComfyUI'), 'webp', await renderAnimation(source(), 'webp'))], animated: [true] };
    case 'SaveAnimatedPNG':
      return { images: [write(run, id, 'output', prefix('ComfyUI'), 'png', await renderAnimation(source(), 'png'))], animated: [true] };
    case 'SaveWEBM':
      return { images: [write(run, id, 'output', prefix('ComfyUI'), 'webm', fixture('tiny.webm'))], animated: [true] };
    case 'SaveVideo':
      return { images: [write(run, id, 'output', prefix('video/ComfyUI'), 'mp4', fixture('tiny.mp4'))], animated: [true] };
    case 'VHS_VideoCombine': {
      const formatName = typeof inputs['format'] === 'string' ? inputs['format'] : 'image/gif';
      const format = VHS_FORMATS[formatName] ?? VHS_FORMATS['image/gif']!;
      const saved = inputs['save_output'] !== false;
      const file = write(run, id, saved ? 'output' : 'temp', prefix('AnimateDiff'), format.extension, await format.data(source()));
      const frameRate = typeof inputs['frame_rate'] === 'number' ? inputs['frame_rate'] : 8;
      return { gifs: [{ ...file, format: formatName, frame_rate: frameRate, workflow: `${file.filename}.png`, fullpath: `/comfy/output/${file.filename}` }] };
    }
    case 'SaveAudio':
      return { audio: [write(run, id, 'output', prefix('audio/ComfyUI'), 'flac', fixture('tiny.flac'))] };
    case 'SaveAudioMP3':
      return { audio: [write(run, id, 'output', prefix('audio/ComfyUI'), 'mp3', fixture('tiny.mp3'))] };
    case 'SaveAudioOpus':
      return { audio: [write(run, id, 'output', prefix('audio/ComfyUI'), 'opus', fixture('tiny.opus'))] };
    case 'PreviewAudio':
      return { audio: [write(run, id, 'temp', 'ComfyUI_temp_audio', 'flac', fixture('tiny.flac'))] };
    case 'PreviewAny':
      return { text: [previewText(run, inputs['source'])] };
    default:
      return null;
  }
}
