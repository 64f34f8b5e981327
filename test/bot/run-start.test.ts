import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BOT_NODE_ARGS } from '../support/bot-command.ts';
import { BotHarness } from './harness.ts';
import { childEnv } from '../support/child-env.ts';

/**
 * `./run start` as Docker, systemd or any supervisor runs it: they signal the process
 * they started and nothing else, so that process must be the bot itself.
 */

let h: BotHarness | null = null;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await h?.stop();
  h = null;
});

/** Every live process below `root`, from /proc (Linux). */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('./run start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`is the bot process itself: ${signal} to that one pid shuts it down, exit 0 within 10 s, nothing left running`, async () => {
      h = await BotHarness.start({ deferStart: true });
      const child = spawn(join(REPO_ROOT, 'run'), ['start'], {
        cwd: REPO_ROOT,
        env: childEnv({ ...h.env, LOG_LEVEL: 'info' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const pid = child.pid!;
      let output = '';
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'comfycord ready' within 30 s:\n${output}`)), 30_000);
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes('comfycord ready')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
        child.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, at: Date.now() })),
      );
      await ready;

      // The pid the supervisor holds runs node on the bundle: no npm, no shell, no tsx in between.
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv[0]).toMatch(/(^|\/)node$/);
      expect(argv).toContain('dist/bot.mjs');
      expect(argv.join(' ')).not.toContain('tsx');
      // The young generation bounded (bench 8's RSS, bench/flood.ts).
      expect(argv).toContain('--max-semi-space-size=2');
      const below = descendantsOf(pid);

      const signalledAt = Date.now();
      process.kill(pid, signal);
      const exit = await exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.at - signalledAt).toBeLessThan(10_000);
      expect(output).toContain('shutting down');
      // Helpers the bot started (tsx's esbuild service) see their pipe close and end with it.
      const deadline = Date.now() + 3_000;
      while (below.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(below.filter(alive).map((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8'))).toEqual([]);
    }, 60_000);
  }
});

describe('the bot\'s node command', () => {
  it('is the same in npm start, ./run start and the benches (BOT_NODE_ARGS): built first, young generation bounded', () => {
    const command = `node ${BOT_NODE_ARGS.join(' ')}`;
    expect(command).toContain('--max-semi-space-size=2');
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBe(`node scripts/build-bot.mjs && ${command}`);
    const run = readFileSync(join(REPO_ROOT, 'run'), 'utf8');
    expect(run).toContain(`exec ${command} "$@"`);
    expect(run.indexOf('node scripts/build-bot.mjs')).toBeGreaterThan(-1);
    expect(run.indexOf('node scripts/build-bot.mjs')).toBeLessThan(run.indexOf(`exec ${command}`));
  });
});
