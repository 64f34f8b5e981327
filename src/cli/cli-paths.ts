import { constants } from 'node:fs';
import { access, mkdir, open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CliPathError } from './cli-errors.ts';
import { formatSize } from '../images/format-size.ts';

/**
 * The folder the user typed the command in. `./run cli` changes into the checkout
 * before starting npm, so it passes the caller's folder as COMFYCORD_CWD; `npm run`
 * does the same through INIT_CWD. Paths on the command line resolve against it.
 */
export function callerCwd(env: NodeJS.ProcessEnv = process.env): string {
  const given = env['COMFYCORD_CWD'] || env['INIT_CWD'];
  return given && isAbsolute(given) ? given : process.cwd();
}

export function userPath(path: string, cwd: string): string {
  return resolve(cwd, path);
}

/** `--out`: created when missing, and it must be a folder we can write into, before anything runs. */
export async function prepareOutDir(dir: string, shown: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliPathError(`cannot create --out folder '${shown}' (${reasonOf(error)})`);
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw new CliPathError(`--out '${shown}' is not a folder`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new CliPathError(`cannot write into --out folder '${shown}' (permission denied)`);
  }
}

/**
 * `--image` (or `--mask`, named by `flag`): must be a regular file (a FIFO or a device
 * would block or never end) of at most `maxBytes`, checked before a byte is read; read
 * through one handle, never more than its size plus one byte.
 */
export async function readInputImage(path: string, shown: string, maxBytes: number, flag = '--image'): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CliPathError(`cannot read ${flag} '${shown}' (${reasonOf(error)})`);
  }
  if (info.isDirectory()) throw new CliPathError(`${flag} '${shown}' is a folder, not an image file`);
  if (!info.isFile()) throw new CliPathError(`${flag} '${shown}' is not a regular file`);
  const tooBig = () => new CliPathError(`${flag} '${shown}' is ${formatSize(info.size)}; the limit is ${formatSize(maxBytes)} (ATTACHMENT_MAX_BYTES)`);
  if (info.size > maxBytes) throw tooBig();
  // O_NONBLOCK: if the path was swapped for a FIFO after stat, open does not wait for a writer.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: unknown) => {
    throw new CliPathError(`cannot read ${flag} '${shown}' (${reasonOf(error)})`);
  });
  try {
    if (!(await handle.stat()).isFile()) throw new CliPathError(`${flag} '${shown}' is not a regular file`);
    // One byte more than stat said: a file that grew meanwhile shows itself.
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > info.size) throw new CliPathError(`${flag} '${shown}' changed while it was being read`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'EEXIST') return 'a file of that name is in the way';
  return typeof code === 'string' ? code : 'unreadable';
}
