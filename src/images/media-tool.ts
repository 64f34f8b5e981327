import { spawn } from 'node:child_process';
import { MediaToolError } from './media-errors.ts';

/** The two programs fitting uses; both ship inside npm packages (see README "Fitting to the upload limit"). */
export type MediaToolName = 'ffmpeg' | 'ffprobe';


/** The last bytes of a tool's stderr kept for the log line; never shown to anyone on Discord. */
const STDERR_TAIL_BYTES = 2_000;

/** Each package names its binary for this platform; loaded on first use (below). */
const LOADERS: Record<MediaToolName, () => Promise<{ default: { path: string } }>> = {
  ffmpeg: () => import('@ffmpeg-installer/ffmpeg'),
  ffprobe: () => import('@ffprobe-installer/ffprobe'),
};

/**
 * Where the packaged binary is. Resolved on first use, not at import: the installer
 * packages throw on a platform they have no binary for, and that must cost only the
 * fitting, not the bot's start.
 */
export async function mediaToolPath(tool: MediaToolName): Promise<string> {
  let found: unknown;
  try {
    found = (await LOADERS[tool]()).default.path;
  } catch (cause) {
    throw new MediaToolError('missing', tool, { cause });
  }
  if (typeof found !== 'string' || found === '') throw new MediaToolError('missing', tool);
  return found;
}

export interface ToolRunOptions {
  /** Killed (SIGKILL) when it runs longer than this. */
  timeoutMs: number;
  /** Killed when it writes more than this to stdout. */
  maxStdoutBytes: number;
  signal?: AbortSignal;
}

/**
 * Runs ffmpeg or ffprobe with `args` (no shell) and returns its stdout. Bounded: a
 * deadline, a cap on what it may print, killed when `signal` aborts. A non-zero exit,
 * a kill or a missing binary is a MediaToolError whose log context carries the end of
 * stderr; its user message never does.
 */
export async function runMediaTool(tool: MediaToolName, args: string[], options: ToolRunOptions): Promise<Buffer> {
  const binary = await mediaToolPath(tool);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      reject(new MediaToolError('aborted', tool));
      return;
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let stopped: 'timeout' | 'output-too-large' | 'aborted' | null = null;
    const stop = (why: 'timeout' | 'output-too-large' | 'aborted') => {
      if (stopped !== null) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) stop('output-too-large');
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    const finish = (error: MediaToolError | null) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error === null) resolve(Buffer.concat(stdout));
      else reject(error);
    };
    child.on('error', (cause) => finish(new MediaToolError('missing', tool, { cause })));
    child.on('close', (code, signalName) => {
      const context = { exitCode: code, signal: signalName, stderrTail: stderr.toString('utf8') };
      if (stopped !== null) finish(new MediaToolError(stopped, tool, { context: { ...context, timeoutMs: options.timeoutMs } }));
      else if (code !== 0) finish(new MediaToolError('failed', tool, { context }));
      else finish(null);
    });
  });
}
