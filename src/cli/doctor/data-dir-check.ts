import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fail, ok, type CheckResult } from './check.ts';

/** Below this, the store and the input images it keeps may fail to write mid-job. */
export const MIN_FREE_BYTES = 256 * 1024 * 1024;

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** The folder itself, or (when it does not exist yet: the bot creates it) its nearest existing parent. */
function existingFolder(path: string): string {
  let folder = resolve(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** DATA_DIR: a file can be written there (or it can be created), and the disk has room. */
export async function dataDirCheck(dataDir: string, minFreeBytes = MIN_FREE_BYTES): Promise<CheckResult> {
  const label = `DATA_DIR ${dataDir}`;
  const folder = existingFolder(dataDir);
  const creates = folder !== resolve(dataDir);
  const probe = `${folder}/.comfycord-doctor-${randomUUID()}`;
  try {
    await writeFile(probe, 'doctor', { flag: 'wx' });
    await unlink(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return fail(label, `${creates ? `cannot be created in ${folder}` : 'is not writable'} (${code})`, `give the bot's user write access to ${folder}, or point DATA_DIR elsewhere`);
  }
  const stats = await statfs(folder);
  const free = stats.bavail * stats.bsize;
  if (free < minFreeBytes) {
    return fail(label, `only ${formatBytes(free)} free`, `free space on that disk (at least ${formatBytes(minFreeBytes)}), or point DATA_DIR at another`);
  }
  return ok(label, `writable${creates ? ' (will be created)' : ''}, ${formatBytes(free)} free`);
}
