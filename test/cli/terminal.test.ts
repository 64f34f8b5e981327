import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { runProcess } from '../support/run-process.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { runCli, startCli } from './run-cli.ts';

const CHECKPOINT = 'sd_xl_base_1.0.safetensors';
let comfy: ComfyStandin;
let work: string;

beforeAll(async () => {
  comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: [CHECKPOINT] } });
  work = await mkdtemp(join(tmpdir(), 'comfycord-cli-terminal-'));
});
afterAll(async () => {
  await comfy.close();
  await rm(work, { recursive: true, force: true });
});

const prompts = (standin: ComfyStandin) => standin.requests.filter((r) => r.method === 'POST' && r.route === '/prompt').length;
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('comfycord --help', () => {
  it.each(['generate', 'templates', 'register', 'doctor'])('%s --help prints its usage with examples and exits 0, even with a bad configuration', async (verb) => {
    const result = await runCli([verb, '--help'], { env: { USER_MAX_PENDING: '-1', DISCORD_GUILD_ID: 'nope' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: comfycord ${verb}`));
    expect(result.stdout).toMatch(/\nExamples:\n( {2}comfycord .+\n)+/);
  });

  it('-h and help <verb> do the same; the bare command lists every verb', async () => {
    expect((await runCli(['generate', '-h'])).stdout).toMatch(/^Usage: comfycord generate/);
    expect((await runCli(['help', 'templates'])).stdout).toMatch(/^Usage: comfycord templates/);
    const bare = await runCli(['--help']);
    expect(bare.code).toBe(0);
    for (const verb of ['generate', 'templates', 'register']) expect(bare.stdout).toContain(`comfycord ${verb}`);
  });
});

describe('paths from the folder the user typed in', () => {
  it('--out and --image are relative to the caller, through ./run cli too', async () => {
    const caller = await mkdtemp(join(work, 'caller-'));
    await writeFile(join(caller, 'in.png'), await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884422' } }).png().toBuffer());
    const direct = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'fox', '--steps', '1', '--out', 'shots'], { cwd: caller });
    expect(direct.code).toBe(0);
    expect(direct.stdout.trim()).toMatch(new RegExp(`^${caller}/shots/.+\\.png$`));

    // ./run cd's into the checkout before npm: the caller's folder must still win.
    const viaRun = await runProcess(join(REPO_ROOT, 'run'), ['cli', '--', 'generate', 'img2img', '--server', comfy.url, '--prompt', 'paint', '--image', 'in.png', '--out', 'via-run'], {
      cwd: caller,
      timeoutMs: 60_000,
    });
    expect(viaRun.stderr).not.toMatch(/cannot read --image/);
    expect(viaRun.code).toBe(0);
    expect(viaRun.stdout.trim()).toMatch(new RegExp(`^${caller}/via-run/.+\\.png$`));
    expect(await readdir(join(caller, 'via-run'))).toHaveLength(1);
  }, 90_000);
});

describe('checked before anything is submitted', () => {
  it('an --out that cannot be created or written: one line, exit 1, nothing sent to ComfyUI', async () => {
    const before = prompts(comfy);
    const file = join(work, 'a-file');
    await writeFile(file, 'x');
    const blocked = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'fox', '--out', join(file, 'sub')]);
    expect(blocked.code).toBe(1);
    expect(lines(blocked.stderr)).toEqual([expect.stringMatching(/^comfycord: cannot create --out folder '.+a-file\/sub'/)]);
    const locked = join(work, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      const readOnly = await runCli(['generate', 'txt2img', '--server', comfy.url, '--prompt', 'fox', '--out', locked]);
      // root may write anywhere: then the folder is writable and the run goes ahead
      if (process.getuid?.() !== 0) {
        expect(readOnly.code).toBe(1);
        expect(lines(readOnly.stderr)).toEqual([expect.stringMatching(/^comfycord: cannot write into --out folder/)]);
      }
    } finally {
      await chmod(locked, 0o700);
    }
    if (process.getuid?.() !== 0) expect(prompts(comfy)).toBe(before);
  });

  it('an --image that is a FIFO is refused at once instead of hanging', async () => {
    const fifo = join(work, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const result = await runCli(['generate', 'img2img', '--server', comfy.url, '--prompt', 'x', '--image', fifo, '--out', join(work, 'o')], { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`comfycord: --image '${fifo}' is not a regular file`]);
  });

  it('an --image over ATTACHMENT_MAX_BYTES is refused from its size, before upload', async () => {
    const big = join(work, 'big.png');
    await writeFile(big, Buffer.alloc(5_000, 1));
    const uploads = comfy.uploads.size;
    const result = await runCli(['generate', 'img2img', '--server', comfy.url, '--prompt', 'x', '--image', big, '--out', join(work, 'o')], { env: { ATTACHMENT_MAX_BYTES: '2000' } });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`comfycord: --image '${big}' is 5 kB; the limit is 2 kB (ATTACHMENT_MAX_BYTES)`]);
    expect(comfy.uploads.size).toBe(uploads);
  });

  it.each([
    [['--seed', '-5'], /^comfycord: --seed needs a value; for one that starts with '-', write --seed=-5$/],
    [['--server', 'notaurl'], /^comfycord: --server 'notaurl' is not a URL/],
    [['--server', 'ftp://host'], /^comfycord: --server must be an http:\/\/ or https:\/\/ URL/],
    [['--timeout', 'soon'], /^comfycord: --timeout takes seconds/],
    [['--image', '/no/such/file.png'], /^comfycord: template 'txt2img' takes no input image/],
  ])('a user mistake (%j) is one line without "unexpected error"', async (extra, message) => {
    const result = await runCli(['generate', 'txt2img', '--prompt', 'fox', ...extra]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(message)]);
    expect(result.stderr).not.toMatch(/unexpected error/);
  });
});

describe('while the run goes on', () => {
  it('says "waiting for ComfyUI at … (down N s)" while the server is down, and --timeout ends it with exit 1', async () => {
    const flaky = await ComfyStandin.start({ stepDelayMs: 200, models: { checkpoints: [CHECKPOINT] } });
    try {
      const run = startCli(['generate', 'txt2img', '--server', flaky.url, '--prompt', 'fox', '--steps', '20', '--out', join(work, 'down'), '--timeout', '4'], {
        env: { LOG_LEVEL: 'warn' },
      });
      await flaky.waitFor('progress', undefined, 10_000);
      flaky.setDown(true);
      const result = await run.done;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`waiting for ComfyUI at 127\\.0\\.0\\.1:${flaky.port} \\(down \\d+ s\\)`));
      expect(lines(result.stderr).at(-1)).toMatch(new RegExp(`^comfycord: gave up after 4 s \\(--timeout\\): ComfyUI at 127\\.0\\.0\\.1:${flaky.port} has been down for \\d+ s$`));
      // Warnings (socket closed, reconnect failures…) each said once, each on its own line.
      const warnings = lines(result.stderr).filter((line) => line.includes('warning:'));
      expect(warnings.every((line) => line.startsWith('warning: '))).toBe(true);
      expect(new Set(warnings).size).toBe(warnings.length);
    } finally {
      await flaky.close();
    }
  }, 30_000);

  it('a resubmission after a ComfyUI restart is noted once; the last step is printed when stderr is not a terminal', async () => {
    const restarting = await ComfyStandin.start({ stepDelayMs: 30, models: { checkpoints: [CHECKPOINT] } });
    try {
      const run = startCli(['generate', 'txt2img', '--server', restarting.url, '--prompt', 'fox', '--steps', '8', '--out', join(work, 'restart')], { env: { LOG_LEVEL: 'warn' } });
      await restarting.waitFor('progress', undefined, 10_000);
      await restarting.restart({ downMs: 300 });
      const result = await run.done;
      expect(result.code).toBe(0);
      expect(result.stderr.match(/lost the job/g)).toHaveLength(1);
      expect(result.stderr).not.toMatch(/lost the prompt \(/);
      const shown = lines(result.stderr);
      const done = shown.findIndex((line) => /^done in [\d.]+ s$/.test(line));
      expect(done).toBeGreaterThan(0);
      // The last state before the end (the last node of the graph) is printed, not swallowed by the 1 s throttle.
      expect(shown[done - 1]).toMatch(/^node (\d+)\/\1 · \d+%/);
    } finally {
      await restarting.close();
    }
  }, 30_000);

  it('Ctrl-C cancels the prompt on the server and exits 130', async () => {
    const slow = await ComfyStandin.start({ stepDelayMs: 300, models: { checkpoints: [CHECKPOINT] } });
    try {
      const run = startCli(['generate', 'txt2img', '--server', slow.url, '--prompt', 'fox', '--steps', '30', '--out', join(work, 'ctrlc')]);
      const [promptId] = await slow.waitFor('progress', undefined, 10_000);
      run.child.kill('SIGINT');
      const result = await run.done;
      expect(result.code).toBe(130);
      expect(lines(result.stderr).at(-1)).toBe('comfycord: cancelled (Ctrl-C)');
      const [, status] = await slow.waitFor('done', (id) => id === promptId, 5_000);
      expect(JSON.stringify(status)).toMatch(/interrupt/i);
    } finally {
      await slow.close();
    }
  }, 30_000);
});
