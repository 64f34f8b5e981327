import type { DataDirUsage } from '../app/data-dir-usage.ts';

/** The bot's own disk for /comfy status: kept input images in DATA_DIR/inputs, and the file system's free space. */
export function diskLine(usage: DataDirUsage): string {
  const files = `${usage.inputsCountCapped ? 'over ' : ''}${usage.inputFiles} file${usage.inputFiles === 1 ? '' : 's'}`;
  const disk = usage.disk === null ? 'disk: unknown' : `disk: ${byteSize(usage.disk.freeBytes)} free of ${byteSize(usage.disk.totalBytes)}`;
  return `DATA_DIR/inputs: ${files}, ${byteSize(usage.inputBytes)} · ${disk}`;
}

/** Decimal units, one decimal place: "512 bytes", "3.2 kB", "52.3 MB", "118.4 GB", "2.1 TB". */
export function byteSize(bytes: number): string {
  const units: Array<[number, string]> = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${(Math.round((bytes / size) * 10) / 10).toString()} ${unit}`;
  }
  return `${bytes} bytes`;
}
