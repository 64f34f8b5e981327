import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';

export interface DataDirUsage {
  /** Kept input images in DATA_DIR/inputs (counted up to `maxFiles`). */
  inputFiles: number;
  inputBytes: number;
  /** True when there were more files than were counted. */
  inputsCountCapped: boolean;
  /** The file system holding DATA_DIR; null when it cannot be read. */
  disk: { freeBytes: number; totalBytes: number } | null;
}

/** What DATA_DIR holds in kept inputs, and how full its disk is. Bounded: at most `maxFiles` stat calls. */
export async function dataDirUsage(dataDir: string, maxFiles = 20_000): Promise<DataDirUsage> {
  const folder = join(dataDir, 'inputs');
  const names = await readdir(folder).catch(() => [] as string[]);
  let inputBytes = 0;
  let inputFiles = 0;
  for (const name of names.slice(0, maxFiles)) {
    const info = await stat(join(folder, name)).catch(() => null);
    if (info?.isFile() !== true) continue;
    inputFiles += 1;
    inputBytes += info.size;
  }
  const disk = await statfs(dataDir).then(
    (fs) => ({ freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize }),
    () => null,
  );
  return { inputFiles, inputBytes, inputsCountCapped: names.length > maxFiles, disk };
}
