import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `work` with `data` written to a fresh temp folder (as `in.<extension>`), for
 * ffmpeg and ffprobe, which read files; the folder is removed afterwards whatever happens.
 * `prefix` names the folder after its use ('comfycord-fit-', 'comfycord-frame-'), so one
 * left behind says what made it.
 */
export async function inTempDir<T>(prefix: string, data: Buffer, extension: string, work: (dir: string, input: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    const input = join(dir, `in.${extension.replace(/[^a-z0-9]/gi, '') || 'bin'}`);
    await writeFile(input, data);
    return await work(dir, input);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
