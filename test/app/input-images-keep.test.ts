import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputImageMissingError, InputImages } from '../../src/app/input-images.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { DiskFullError } from '../../src/disk-full.ts';
import { MemoryJobStore } from '../../src/jobs/job-store.ts';
import { loadTemplates } from '../../src/workflows/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';

let dataDir = '';
let pool: ServerPool | null = null;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'comfycord-keep-'));
});
afterEach(async () => {
  await pool?.close();
  pool = null;
  await rm(dataDir, { recursive: true, force: true });
});

async function inputImages(writePath?: (path: string) => string): Promise<InputImages> {
  pool = new ServerPool([], { templates: await loadTemplates(join(REPO_ROOT, 'workflows')) });
  return new InputImages({ dataDir, store: new MemoryJobStore(), pool, ...(writePath ? { writePath } : {}) });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

const inputsDir = () => readdir(join(dataDir, 'inputs')).catch(() => []);

describe('InputImages.keepUpload', () => {
  it('keeps what produce wrote to the target under the job\'s name and removes the scratch download beside it', async () => {
    const inputs = await inputImages();
    const seen: Array<{ scratch: string; target: string }> = [];
    const ref = await inputs.keepUpload('job1', 'image', async (files) => {
      seen.push(files);
      await writeFile(files.scratch, 'the download');
      await writeFile(files.target, 'the png');
    });
    expect(ref).toEqual({ kind: 'file', path: join('inputs', 'job1-image.png') });
    expect(seen).toEqual([{ scratch: join(dataDir, 'inputs', 'job1-image.png.download'), target: join(dataDir, 'inputs', 'job1-image.png') }]);
    expect(await inputsDir()).toEqual(['job1-image.png']);
    expect(await readFile(join(dataDir, ref.kind === 'file' ? ref.path : ''), 'utf8')).toBe('the png');
  });

  it('keeps nothing when produce fails half way, and passes its error on', async () => {
    const inputs = await inputImages();
    const broken = new Error('decode failed');
    const error = await failure(
      inputs.keepUpload('job2', 'image', async (files) => {
        await writeFile(files.scratch, 'the download');
        await writeFile(files.target, 'half a png');
        throw broken;
      }),
    );
    expect(error).toBe(broken);
    expect(await inputsDir()).toEqual([]);
  });

  it('turns a full disk (the kernel\'s /dev/full) into a DiskFullError naming the kept file, and never removes a redirected path', async () => {
    // Were /dev/full removed, the next write to it would make a plain file there instead.
    const inputs = await inputImages(() => '/dev/full');
    const error = await failure(inputs.keepUpload('job3', 'image', (files) => writeFile(files.scratch, Buffer.alloc(1000))));
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as DiskFullError).context['path']).toBe(join(dataDir, 'inputs', 'job3-image.png'));
    await expect(writeFile('/dev/full', 'x')).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await inputsDir()).toEqual([]);
  });
});

describe('InputImages.readForUpload', () => {
  it('gives a kept file as a Blob of its bytes (read when sent, not now); a file gone is InputImageMissingError', async () => {
    const inputs = await inputImages();
    const ref = await inputs.keepUpload('job4', 'image', (files) => writeFile(files.target, 'kept png bytes'));
    const blob = await inputs.readForUpload(ref);
    expect(blob).toBeInstanceOf(Blob);
    expect(Buffer.from(await (blob as Blob).arrayBuffer()).toString()).toBe('kept png bytes');
    await rm(join(dataDir, 'inputs', 'job4-image.png'));
    await expect(inputs.readForUpload(ref)).rejects.toBeInstanceOf(InputImageMissingError);
    await expect(inputs.readForUpload({ kind: 'file', path: '../outside.png' })).rejects.toBeInstanceOf(InputImageMissingError);
  });
});
