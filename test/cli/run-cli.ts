import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { runProcess, type ProcessResult } from '../support/run-process.ts';
import { childEnv } from '../support/child-env.ts';

export { REPO_ROOT as ROOT };
export type CliResult = ProcessResult;

/** Runs `comfycord …` as a child process, the way a user would, with a clean environment. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [`${REPO_ROOT}/bin/comfycord.js`, ...args], options);
}

/** Like runCli, but returns at once with the child (to signal it) and a promise of its result. */
export function startCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [`${REPO_ROOT}/bin/comfycord.js`, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`comfycord ${args.join(' ')} did not exit within ${options.timeoutMs ?? 30_000} ms\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}
