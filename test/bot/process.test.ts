import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { commandOption } from '../support/discord-standin/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, messageJson, promptBodies } from './harness.ts';

/** The bot as users run it: `node … src/bot.ts` in a process of its own, signalled and killed. */

let h: BotHarness | null = null;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await h?.stop();
  h = null;
});

function startBotProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--experimental-sqlite', '--import', 'tsx', join(REPO_ROOT, 'src/bot.ts')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of [...waiters]) if (stderr.includes(waiter.text)) waiter.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitForLog = (text: string, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no '${text}' in the bot's log:\n${stderr}`)), timeoutMs);
      waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { child, exited, waitForLog, stderr: () => stderr };
}

describe('the bot process', () => {
  it('exits within 10 s of SIGTERM, and a job killed mid-run with SIGKILL is delivered once by the next start', async () => {
    h = await BotHarness.start({ deferStart: true, comfy: { stepDelayMs: 120 } });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    const raw = await h.imagine('a lantern in fog', [commandOption.integer('steps', 15)]);
    await h.comfy.waitFor('executing-start', undefined, 10_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startBotProcess(h.env);
    await second.waitForLog('comfycord ready');
    const final = await h.waitForFinal(raw, 30_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(final.files.length).toBeGreaterThan(0);
    expect(promptBodies(h.comfy)).toHaveLength(1);

    const signalledAt = Date.now();
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(second.stderr()).toContain('shutting down');
    expect(second.stderr()).not.toContain(h.env['DISCORD_TOKEN']!);
  }, 60_000);
});
