import { openAsBlob } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { DiskFullError, isDiskFull } from '../disk-full.ts';
import { ComfycordError } from '../errors.ts';
import { prepareMask } from '../images/mask-check.ts';
import { imageSize } from '../images/outpaint-image.ts';
import type { InputImageRef } from '../jobs/job.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { ServerPool } from './server-pool.ts';
import type { AppErrorCode } from './error-codes.ts';

export class InputImageMissingError extends ComfycordError<AppErrorCode> {
  constructor(detail: string, context: Record<string, unknown>) {
    super('INPUT_IMAGE_MISSING', `The input image is no longer available (${detail}). Please upload it again.`, { context });
  }
}

export interface InputImagesOptions {
  dataDir: string;
  store: JobStore;
  pool: ServerPool;
  /** Fetches a delivered copy (e.g. a Discord attachment URL) when the server lost the original. */
  download?: (url: string) => Promise<Buffer>;
  /** Fetches and normalises a person's upload a job still holds as a URL (its intake was cut short by a restart). */
  fetchUpload?: (url: string, maxSide: number) => Promise<Buffer>;
  /**
   * Where a kept file is really written (default: where it is named). A test sends the
   * writes to /dev/full for a full disk; a redirected path is never removed.
   */
  writePath?: (path: string) => string;
}

/** Makes a kept upload: the download goes to `scratch`, its normalised PNG to `target`. */
export type ProduceUpload = (files: { scratch: string; target: string }) => Promise<void>;

/**
 * Bytes of input images, wherever they live: a user's upload kept under DATA_DIR
 * (so a job can run on any server, and again after a restart), or an earlier job's
 * output (Vary / Upscale), read from the ComfyUI server that made it or, failing
 * that, from where it was delivered.
 */
export class InputImages {
  readonly #options: InputImagesOptions;

  constructor(options: InputImagesOptions) {
    this.#options = options;
  }

  /**
   * Keeps a person's upload for a job (named after it) as `produce` makes it: downloaded
   * to a scratch file beside it and normalised file to file, so neither the upload nor
   * its pixels are held in memory. The scratch file is removed either way; on failure
   * the kept file too (a half-written file helps no one and takes the space the next
   * job needs), and a full disk becomes a DiskFullError naming the file. Returns the
   * reference to store in the job's spec.
   */
  async keepUpload(jobId: string, option: string, produce: ProduceUpload): Promise<InputImageRef> {
    const path = join('inputs', `${jobId}-${option.replace(/[^a-z0-9_-]/gi, '_')}.png`);
    const full = join(this.#options.dataDir, path);
    const scratch = this.#real(`${full}.download`);
    const target = this.#real(full);
    try {
      await mkdir(dirname(full), { recursive: true });
      await produce({ scratch: scratch.path, target: target.path });
    } catch (error) {
      await target.remove();
      // The router logs it as an error naming the path.
      throw isDiskFull(error) ? new DiskFullError(full, error) : error;
    } finally {
      await scratch.remove();
    }
    return { kind: 'file', path };
  }

  /** The path a write to `path` really goes to, and how to remove what it left (never a redirected path). */
  #real(path: string): { path: string; remove: () => Promise<void> } {
    const real = this.#options.writePath?.(path) ?? path;
    return { path: real, remove: () => (real === path ? rm(path, { force: true }).catch(() => undefined) : Promise.resolve()) };
  }

  /**
   * Checks a kept mask against its job's image (src/images/mask-check.ts: decodes, same
   * shape, neither empty nor full) and puts in its place the mask the inpaint template
   * reads: one channel, white = change, at the image's size. A mask that cannot be
   * used is a MaskRejectedError; one not kept here (carried from an earlier job) was
   * checked when it was kept.
   */
  async fitMask(image: InputImageRef, mask: InputImageRef): Promise<void> {
    if (mask.kind !== 'file') return;
    const size = await imageSize(await this.read(image));
    const prepared = await prepareMask(await this.read(mask), size);
    const full = this.#inside(mask.path);
    if (full === null) throw new InputImageMissingError('bad path', { path: mask.path });
    try {
      await writeFile(this.#real(full).path, prepared.png);
    } catch (error) {
      throw isDiskFull(error) ? new DiskFullError(full, error) : error;
    }
  }

  /**
   * The mask to upload for a job: a kept one as it is (fitMask checked and rewrote it at
   * intake); one still held as a URL (the intake was cut by a restart) fetched, checked
   * against the job's image and fitted the same way, so a mask that cannot be used fails
   * the job with its reason instead of reaching the template as it was sent.
   */
  async readMaskForUpload(image: InputImageRef, mask: InputImageRef): Promise<Buffer | Blob> {
    if (mask.kind !== 'url') return this.readForUpload(mask);
    const size = await imageSize(await this.read(image));
    return (await prepareMask(await this.read(mask), size)).png;
  }

  /** Removes a kept upload that no job will use (its job was abandoned); a missing file is fine. */
  async discard(path: string): Promise<void> {
    const full = this.#inside(path);
    if (full !== null) await rm(full, { force: true });
  }

  /**
   * The bytes to upload to ComfyUI: a kept file as a Blob backed by the file, read as it
   * is sent (an 8 MB input is not held in memory while it waits for its server); any
   * other reference as read() gives it.
   */
  async readForUpload(ref: InputImageRef): Promise<Buffer | Blob> {
    if (ref.kind !== 'file') return this.read(ref);
    return this.#openKept(ref.path, openAsBlob);
  }

  /** A kept file inside the inputs folder, opened with `open`; a path outside it or a file gone is a missing input. */
  async #openKept<T>(path: string, open: (full: string) => Promise<T>): Promise<T> {
    const full = this.#inside(path);
    if (full === null) throw new InputImageMissingError('bad path', { path });
    try {
      return await open(full);
    } catch (error) {
      throw new InputImageMissingError('file gone', { path, cause: String(error) });
    }
  }

  async read(ref: InputImageRef): Promise<Buffer> {
    if (ref.kind === 'url') {
      if (!this.#options.fetchUpload) throw new InputImageMissingError('it was never downloaded', { kind: ref.kind });
      return this.#options.fetchUpload(ref.url, ref.maxSide);
    }
    if (ref.kind === 'file') return this.#openKept(ref.path, (full) => readFile(full));
    const source = this.#options.store.get(ref.jobId);
    const image = source?.images[ref.index];
    if (!source || !image) throw new InputImageMissingError(`job ${ref.jobId} has no image ${ref.index + 1}`, { ...ref });
    const server = source.server === null ? undefined : this.#options.pool.get(source.server);
    if (server) {
      try {
        return await server.view(image.source);
      } catch (error) {
        if (image.deliveredUrl === null || !this.#options.download) {
          throw new InputImageMissingError('the ComfyUI server no longer has it', { ...ref, cause: String(error) });
        }
      }
    }
    if (image.deliveredUrl !== null && this.#options.download) return this.#options.download(image.deliveredUrl);
    throw new InputImageMissingError('nowhere to fetch it from', { ...ref });
  }

  /** The absolute path of a DATA_DIR-relative one, or null when it points outside DATA_DIR. */
  #inside(path: string): string | null {
    const root = normalize(this.#options.dataDir + sep);
    const full = normalize(join(this.#options.dataDir, path));
    return full.startsWith(root) ? full : null;
  }
}
