import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { BOT_NODE_ARGS } from '../support/bot-command.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { childEnv } from '../support/child-env.ts';

export interface BotProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  output(): string;
}

/**
 * The bot (dist/bot.mjs, BOT_NODE_ARGS) with [args] as users run it, in a process of its own with only PATH, TMPDIR,
 * HOME and `env`. Every process started through the returned function is SIGKILLed
 * after the test if still running.
 */
export function useBotProcesses(): (env: Record<string, string>, args?: string[]) => BotProcess {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
    await Promise.all(
      running.map((child) => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      })),
    );
  });
  return (env, args = []) => {
    const child = spawn(process.execPath, [...BOT_NODE_ARGS, ...args], {
      cwd: REPO_ROOT,
      env: childEnv({ ...env, LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const waiter of [...waiters]) if (output.includes(waiter.text)) waiter.resolve();
    };
    // pino writes to stdout or stderr depending on the logger set-up; watch both.
    child.stderr.on('data', collect);
    child.stdout.on('data', collect);
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const waitForLog = (text: string, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no '${text}' in the bot's output:\n${output}`)), timeoutMs);
        waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      });
    return { child, exited, waitForLog, output: () => output };
  };
}
