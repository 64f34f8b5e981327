import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { OutputTexture } from './controls.ts';
import type { FileStore } from './files.ts';
import { isLink } from './schedule.ts';
import type { Graph } from './validate.ts';

/**
 * Small, deterministic, real images. A node's picture is worked out from the graph
 * instead of simulated pixels: EmptyImage gives its size and colour, a latent gives
 * its size, a sampler paints a colour derived from its seed, LoadImage passes the
 * uploaded bytes through and ImageInvert negates them.
 */

export type ImageSource =
  | { kind: 'solid'; width: number; height: number; rgb: [number, number, number]; batch: number }
  | { kind: 'file'; data: Buffer; invert: boolean; batch: number };

const MAX_SIDE = 2048;

function side(value: unknown, fallback: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
  return Math.min(MAX_SIDE, Math.max(1, n));
}

function count(value: unknown): number {
  return typeof value === 'number' && value >= 1 ? Math.min(16, Math.trunc(value)) : 1;
}

export function rgbFromText(text: string): [number, number, number] {
  const digest = createHash('sha256').update(text).digest();
  return [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0];
}

function rgbFromInt(color: unknown): [number, number, number] {
  const c = typeof color === 'number' ? Math.trunc(color) : 0;
  return [(c >> 16) & 255, (c >> 8) & 255, c & 255];
}

const SAMPLER_SEED_INPUTS = ['seed', 'noise_seed'];

/** What image flows out of `id`; null when the graph does not say. */
export function describeImage(graph: Graph, id: string, files: FileStore, trail = new Set<string>()): ImageSource | null {
  const node = graph[id];
  if (node === undefined || trail.has(id)) return null;
  trail.add(id);
  const inputs = node.inputs;
  const classType = node.class_type;
  if (classType === 'EmptyImage') {
    const batch = count(inputs['batch_size']);
    return { kind: 'solid', width: side(inputs['width'], 512), height: side(inputs['height'], 512), rgb: rgbFromInt(inputs['color']), batch };
  }
  if (/^Empty.*Latent/.test(classType)) {
    const batch = count(inputs['batch_size'] ?? inputs['length']);
    return { kind: 'solid', width: side(inputs['width'], 512), height: side(inputs['height'], 512), rgb: [128, 128, 128], batch };
  }
  if (classType === 'LoadImage' && typeof inputs['image'] === 'string') {
    const data = files.read(inputs['image']);
    return data === undefined ? null : { kind: 'file', data, invert: false, batch: 1 };
  }
  const upstream = firstUpstream(graph, inputs, files, trail);
  if (classType === 'ImageInvert' && upstream !== null) {
    return upstream.kind === 'file'
      ? { ...upstream, invert: !upstream.invert }
      : { ...upstream, rgb: [255 - upstream.rgb[0], 255 - upstream.rgb[1], 255 - upstream.rgb[2]] };
  }
  const seedName = SAMPLER_SEED_INPUTS.find((name) => typeof inputs[name] === 'number');
  if (seedName !== undefined) {
    const base = upstream ?? { kind: 'solid', width: 512, height: 512, rgb: [0, 0, 0], batch: 1 };
    const [width, height] = base.kind === 'solid' ? [base.width, base.height] : [512, 512];
    return { kind: 'solid', width, height, rgb: rgbFromText(`seed:${String(inputs[seedName])}`), batch: base.batch };
  }
  return upstream;
}

function firstUpstream(graph: Graph, inputs: Record<string, unknown>, files: FileStore, trail: Set<string>): ImageSource | null {
  for (const value of Object.values(inputs)) {
    if (!isLink(value)) continue;
    const found = describeImage(graph, value[0], files, trail);
    if (found !== null) return found;
  }
  return null;
}

/**
 * One PNG of the batch; `index` shifts the colour a little so batch members differ.
 * With the 'noise' texture a generated image is blurred noise instead of a flat
 * colour: it compresses like a real render (about 1.7 MB at 1024×1024, where a flat
 * one is a few KB), for benchmarks of fetching, re-encoding and uploading results.
 */
export async function renderPng(source: ImageSource, index: number, texture: OutputTexture = 'flat'): Promise<Buffer> {
  if (source.kind === 'solid' && texture === 'noise') return noisePng(source.width, source.height, index);
  if (source.kind === 'file') {
    try {
      const image = sharp(source.data);
      return await (source.invert ? image.negate({ alpha: false }) : image).png().toBuffer();
    } catch {
      return renderPng({ kind: 'solid', width: 64, height: 64, rgb: [255, 0, 255], batch: 1 }, index);
    }
  }
  const [r, g, b] = source.rgb;
  return sharp({ create: { width: source.width, height: source.height, channels: 3, background: { r, g, b: (b + index * 16) % 256 } } })
    .png()
    .toBuffer();
}

/**
 * A JPEG preview at quality 95, as ComfyUI sends. `contain512` scales to fit
 * 512×512 (what SlowProgress asks for); otherwise latent size (1/8), like latent2rgb.
 */
export async function renderPreviewJpeg(source: ImageSource, mode: 'contain512' | 'latent'): Promise<Buffer> {
  if (source.kind === 'file') {
    try {
      const image = sharp(source.data).resize(512, 512, { fit: 'inside' });
      return await (source.invert ? image.negate({ alpha: false }) : image).jpeg({ quality: 95 }).toBuffer();
    } catch {
      return renderPreviewJpeg({ kind: 'solid', width: 64, height: 64, rgb: [255, 0, 255], batch: 1 }, mode);
    }
  }
  const scale = mode === 'contain512' ? 512 / Math.max(source.width, source.height) : 1 / 8;
  const width = Math.max(8, Math.round(source.width * scale));
  const height = Math.max(8, Math.round(source.height * scale));
  const [r, g, b] = source.rgb;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg({ quality: 95 }).toBuffer();
}

/** Rendering one takes ~250 ms, so each size and batch index is made once and reused (the bytes do not matter). */
const noiseCache = new Map<string, Promise<Buffer>>();
const NOISE_CACHE_SIZE = 16;

function noisePng(width: number, height: number, index: number): Promise<Buffer> {
  const key = `${width}x${height}:${index}`;
  let png = noiseCache.get(key);
  if (png === undefined) {
    png = (async () => {
      const noise = sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 100 } } });
      const { data, info } = await noise.raw().toBuffer({ resolveWithObject: true });
      return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).blur(5).png().toBuffer();
    })();
    if (noiseCache.size >= NOISE_CACHE_SIZE) noiseCache.delete(noiseCache.keys().next().value ?? '');
    noiseCache.set(key, png);
    png.catch(() => noiseCache.delete(key));
  }
  return png;
}
