import path from 'node:path';

/**
 * ComfyUI's three folders (input, output, temp), kept in memory. Keys are
 * `subfolder/name` or `name`, the same relative path ComfyUI would use on disk.
 * Files survive a simulated restart except temp, which ComfyUI wipes at start-up.
 */

export type FolderType = 'input' | 'output' | 'temp';

export function isFolderType(value: unknown): value is FolderType {
  return value === 'input' || value === 'output' || value === 'temp';
}

/** `subfolder` + `name` as a key inside the folder, or null if it escapes the folder. */
export function folderKey(subfolder: string, name: string): string | null {
  const joined = path.posix.normalize(path.posix.join(subfolder.replace(/\\/g, '/'), name));
  if (joined.startsWith('/') || joined === '..' || joined.startsWith('../') || joined === '.') return null;
  return joined;
}

/** Splits ComfyUI's annotated names such as `photo.png [output]`. */
export function annotatedName(name: string): { name: string; type: FolderType | null } {
  const match = /^(.*) \[(input|output|temp)\]$/.exec(name);
  return match === null ? { name, type: null } : { name: match[1] ?? '', type: match[2] as FolderType };
}

export class FileStore {
  readonly input = new Map<string, Buffer>();
  readonly output = new Map<string, Buffer>();
  readonly temp = new Map<string, Buffer>();

  folder(type: FolderType): Map<string, Buffer> {
    return type === 'input' ? this.input : type === 'output' ? this.output : this.temp;
  }

  /** Names directly in the input folder (what LoadImage offers). */
  topLevelInputs(): string[] {
    return [...this.input.keys()].filter((key) => !key.includes('/'));
  }

  /** LoadImage's check: does this (possibly annotated, possibly sub-foldered) name exist? */
  exists(annotated: string, defaultType: FolderType = 'input'): boolean {
    const { name, type } = annotatedName(annotated);
    const key = folderKey('', name);
    return key !== null && this.folder(type ?? defaultType).has(key);
  }

  read(annotated: string, defaultType: FolderType = 'input'): Buffer | undefined {
    const { name, type } = annotatedName(annotated);
    const key = folderKey('', name);
    return key === null ? undefined : this.folder(type ?? defaultType).get(key);
  }

  /**
   * ComfyUI's counter for `prefix_00001_.png`: one more than the highest number
   * already in that folder for that prefix (it scans the folder the same way).
   */
  nextCounter(type: FolderType, subfolder: string, prefix: string): number {
    const dir = subfolder === '' ? '' : `${subfolder}/`;
    let highest = 0;
    for (const key of this.folder(type).keys()) {
      if (!key.startsWith(dir)) continue;
      const rest = key.slice(dir.length);
      if (rest.includes('/') || !rest.startsWith(`${prefix}_`)) continue;
      const match = /^(\d+)_/.exec(rest.slice(prefix.length + 1));
      if (match?.[1] !== undefined) highest = Math.max(highest, Number(match[1]));
    }
    return highest + 1;
  }

  /** Removes temp files, as a ComfyUI start-up does. */
  wipeTemp(): void {
    this.temp.clear();
  }
}

/** The content type aiohttp guesses from a file name. */
export function contentTypeOf(name: string): string {
  const ext = path.posix.extname(name).toLowerCase();
  const types: Record<string, string> = {
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.webp': 'image/webp',
    '.gif': 'image/gif',
    '.bmp': 'image/bmp',
    '.json': 'application/json',
    '.txt': 'text/plain',
    '.mp4': 'video/mp4',
    '.webm': 'video/webm',
  };
  return types[ext] ?? 'application/octet-stream';
}
