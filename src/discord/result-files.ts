import type { ComfyServer } from '../comfy/server.ts';
import { DEFAULT_UPLOAD_LIMIT_BYTES, fitImageToLimit } from '../images/fit-to-limit.ts';
import { makeGrid } from '../images/grid.ts';
import type { Job } from '../jobs/job.ts';
import type { ViewFile } from './message-view.ts';

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
 * Discord's 25 MiB by giving each file an equal share.
 */
export async function buildResultFiles(job: Job, server: ComfyServer, options: { sizeLimit: number | null; spoiler: boolean }): Promise<ResultFiles> {
  const started = Date.now();
  const originals = await Promise.all(job.images.map((image) => server.view(image.source)));
  const fetched = Date.now();
  const fileCount = originals.length > 1 ? originals.length + 1 : originals.length;
  const perFile = Math.min(options.sizeLimit ?? DEFAULT_UPLOAD_LIMIT_BYTES, Math.floor((MAX_REQUEST_BYTES * 0.95) / Math.max(1, fileCount)));
  const prefix = options.spoiler ? 'SPOILER_' : '';
  const files: ViewFile[] = [];
  for (const [index, data] of originals.entries()) {
    const name = `${prefix}${job.id}-${index + 1}.png`;
    const fitted = await fitImageToLimit(data, perFile, { filename: name });
    files.push({ name: fitted.filename, data: fitted.data, id: `output:${job.id}:${index}:${fitted.data.length}`, kind: 'output' });
  }
  let shown = files[0]?.name ?? '';
  if (originals.length > 1) {
    const grid = await makeGrid(originals);
    const fitted = await fitImageToLimit(grid.png, perFile, { filename: `${prefix}${job.id}-grid.png` });
    files.push({ name: fitted.filename, data: fitted.data, id: `grid:${job.id}:${fitted.data.length}`, kind: 'output' });
    shown = fitted.filename;
  }
  return { files, shown, timings: { fetchMs: fetched - started, encodeMs: Date.now() - fetched } };
}
