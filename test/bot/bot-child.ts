import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { BOT_NODE_ARGS } from '../support/bot-command.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';

/**
 * The bot (dist/bot.mjs, BOT_NODE_ARGS) in a process of its own, as users run it: its log (stderr) can be
 * waited on, its resident memory read from /proc, and it can be SIGKILLed.
 */
export interface BotChild {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  stderr(): string;
  /** Resident set size in bytes (Linux /proc), or null when it cannot be read. */
  rss(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startBotChild(env: Record<string, string>): BotChild {
  const child = spawn(process.execPath, [...BOT_NODE_ARGS], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiters = new Set<{ text: string; resolve: () => void }>();
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of [...waiters]) if (stderr.includes(waiter.text)) waiter.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stderr: () => stderr,
    waitForLog: (text, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        const waiter = {
          text,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no '${text}' in the bot's log within ${timeoutMs} ms:\n${stderr.slice(-4000)}`));
        }, timeoutMs);
        waiters.add(waiter);
      }),
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      return kb === undefined ? null : Number(kb) * 1024;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
