import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { closeAfterEach, MODELS } from './core-harness.ts';

const track = closeAfterEach();

type Line = Record<string, unknown>;

/** Starts the core process and collects its JSON lines; `until` resolves when a line matches. */
function startProcess(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, ['--experimental-sqlite', '--import', 'tsx', join(REPO_ROOT, 'test/app/core-process.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  const waiters: { match: (line: Line) => boolean; resolve: () => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, nl)) as Line;
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const waiter of [...waiters]) if (waiter.match(line)) waiter.resolve();
    }
  });
  const until = (match: (line: Line) => boolean, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (lines.some(match)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no matching line; got ${JSON.stringify(lines)}\n${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: () => (clearTimeout(timer), resolve()) });
    });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, lines, until, exited, stderr: () => stderr };
}

describe('the core survives SIGKILL', () => {
  it('delivers every job exactly once and runs none twice on ComfyUI', async () => {
    const comfy = await ComfyStandin.start({ stepDelayMs: 60, models: MODELS });
    track(comfy);
    const dataDir = mkdtempSync(join(tmpdir(), 'comfycord-restart-'));
    track({ close: async () => rmSync(dataDir, { recursive: true, force: true }) });
    const first = startProcess([dataDir, comfy.url, '4']);
    track({ close: async () => void first.child.kill('SIGKILL') });
    // Killed while job 1 runs and job 2 waits in ComfyUI's queue; 3 and 4 wait in ours.
    await first.until((line) => line['status'] === 'running');
    await first.until((line) => line['status'] === 'submitted' && first.lines.filter((l) => l['status'] === 'submitted').length >= 2);
    first.child.kill('SIGKILL');
    await first.exited;
    const submittedIds = [...new Set(first.lines.filter((line) => typeof line['id'] === 'string').map((line) => line['id'] as string))];
    expect(submittedIds).toHaveLength(4);

    const second = startProcess([dataDir, comfy.url]);
    track({ close: async () => void second.child.kill('SIGKILL') });
    await second.until((line) => line['started'] === true);
    for (const id of submittedIds) await second.until((line) => line['delivered'] === id, 20_000);

    const deliveries = [...first.lines, ...second.lines].filter((line) => typeof line['delivered'] === 'string');
    expect(deliveries.map((line) => line['delivered']).sort()).toEqual([...submittedIds].sort());
    expect(deliveries.every((line) => line['status'] === 'done' && (line['images'] as number) > 0)).toBe(true);
    // Four jobs, four prompts: the ones in flight at the kill were followed, not run again.
    expect(comfy.requests.filter((r) => r.method === 'POST' && r.route === '/prompt')).toHaveLength(4);
    expect([...comfy.history.values()]).toHaveLength(4);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});
