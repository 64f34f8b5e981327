import { REPO_ROOT } from '../support/repo-paths.ts';
import { runProcess, type ProcessResult } from '../support/run-process.ts';

export { REPO_ROOT as ROOT };
export type CliResult = ProcessResult;

/** Runs `comfycord …` as a child process, the way a user would, with a clean environment. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [`${REPO_ROOT}/bin/comfycord.js`, ...args], options);
}
