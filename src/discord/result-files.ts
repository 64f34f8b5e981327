import type { ComfyServer } from '../comfy/server.ts';
import type { OutputImage } from '../jobs/run-events.ts';
import { DEFAULT_UPLOAD_LIMIT_BYTES, fitImageToLimit } from '../images/fit-to-limit.ts';
import { makeGrid } from '../images/grid.ts';
import { EXTENSION_BY_FORMAT } from '../images/image-format.ts';
import { ImageRejectedError } from '../images/image-errors.ts';
import { assertWholeImage } from '../images/whole-image.ts';
import type { Job } from '../jobs/job.ts';
import type { ViewFile } from './message-view.ts';

/** Fetches of one image whose bytes do not decode, before the result counts as broken. */
export const WHOLE_IMAGE_TRIES = 3;

/** Discord's cap on one request's body; files of one edit share it. */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;

export interface ResultFiles {
  files: ViewFile[];
  /** The file the embed shows: the image itself, or the grid of a batch. */
  shown: string;
  /** How the time went, for logs and the delivery benchmark. */
  timings: { fetchMs: number; encodeMs: number };
}

/**
 * A finished job's images as files for its final message: each fetched from ComfyUI
 * and kept as PNG when it fits the upload limit the interaction reported (else
 * re-encoded to fit), plus a grid for a batch. The request as a whole stays under
 * Discord's 25 MiB: the grid (a small JPEG, see makeGrid) is made first and the images
 * share what it leaves equally, so they stay lossless as long as possible.
 */
export async function buildResultFiles(
  job: Job,
  server: ComfyServer,
  options: { sizeLimit: number | null; spoiler: boolean; signal?: AbortSignal },
): Promise<ResultFiles> {
  const started = Date.now();
  const originals = await Promise.all(job.images.map((image, index) => fetchWholeImage(server, image.source, `image ${index + 1}`, options.signal)));
  const fetched = Date.now();
  const fileLimit = options.sizeLimit ?? DEFAULT_UPLOAD_LIMIT_BYTES;
  const requestBudget = Math.floor(MAX_REQUEST_BYTES * 0.95);
  const prefix = options.spoiler ? 'SPOILER_' : '';

  let grid: ViewFile | null = null;
  if (originals.length > 1) {
    const sheet = await makeGrid(originals);
    // Never more than an image's equal share, so the images always keep at least theirs.
    const share = Math.min(fileLimit, Math.floor(requestBudget / (originals.length + 1)));
    const fitted = await fitImageToLimit(sheet.data, share, { filename: `${prefix}${job.id}-grid.${EXTENSION_BY_FORMAT[sheet.format]}` });
    grid = { name: fitted.filename, data: fitted.data, id: `grid:${job.id}:${fitted.data.length}`, kind: 'output' };
  }

  const perImage = Math.min(fileLimit, Math.floor((requestBudget - (grid?.data.length ?? 0)) / Math.max(1, originals.length)));
  const files: ViewFile[] = [];
  for (const [index, data] of originals.entries()) {
    const name = `${prefix}${job.id}-${index + 1}.png`;
    const fitted = await fitImageToLimit(data, perImage, { filename: name });
    files.push({ name: fitted.filename, data: fitted.data, id: `output:${job.id}:${index}:${fitted.data.length}`, kind: 'output' });
  }
  if (grid !== null) files.push(grid);
  return { files, shown: grid?.name ?? files[0]?.name ?? '', timings: { fetchMs: fetched - started, encodeMs: Date.now() - fetched } };
}

/**
 * One output, decoded to its last pixel before anything is built from it; bytes cut
 * short or damaged on the way are fetched again, up to WHOLE_IMAGE_TRIES times.
 */
async function fetchWholeImage(server: ComfyServer, source: OutputImage, label: string, signal: AbortSignal | undefined): Promise<Buffer> {
  for (let attempt = 1; ; attempt += 1) {
    const data = await server.view(source, signal);
    try {
      await assertWholeImage(data, label);
      return data;
    } catch (error) {
      if (!(error instanceof ImageRejectedError) || attempt >= WHOLE_IMAGE_TRIES) throw error;
    }
  }
}
