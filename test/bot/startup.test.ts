import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { startDiscordStandins, type DiscordStandins } from '../support/discord-standin/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { runProcess, type ProcessResult } from '../support/run-process.ts';
import { BotHarness, CHECKPOINT } from './harness.ts';

/** `npm start` as a person runs it (npm's own chatter off), with only the environment given. */
function npmStart(env: Record<string, string>, timeoutMs = 15_000): Promise<ProcessResult> {
  // A developer's own .env in the repo must not leak into the test: an empty value shadows it.
  const shadow = existsSync(join(REPO_ROOT, '.env')) && env['DISCORD_TOKEN'] === undefined ? { DISCORD_TOKEN: '' } : {};
  return runProcess('npm', ['start', '--silent'], { env: { ...shadow, ...env }, timeoutMs });
}

const STACK_LINE = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe('starting the bot', () => {
  let comfy: ComfyStandin | null = null;
  let discord: DiscordStandins | null = null;
  let dataDir: string | null = null;
  afterEach(async () => {
    await Promise.allSettled([comfy?.close(), discord?.close()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    comfy = null;
    discord = null;
    dataDir = null;
  });

  /** A ComfyUI stand-in, and a Discord API address whose stand-in was closed before the bot starts: its port refuses every connection. */
  async function unreachableDiscordEnv(): Promise<Record<string, string>> {
    comfy = await ComfyStandin.start({ models: { checkpoints: [CHECKPOINT] } });
    const closed = await startDiscordStandins();
    const apiBase = closed.rest.apiBase;
    await closed.close();
    dataDir = await mkdtemp(join(tmpdir(), 'comfycord-start-'));
    return {
      DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GokXX.a-token-never-checked',
      DISCORD_API_BASE: apiBase,
      COMFY_URL: comfy.url,
      WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
      DATA_DIR: dataDir,
    };
  }

  it('npm start without DISCORD_TOKEN: one line naming DISCORD_TOKEN, exit code 1, no stack trace', async () => {
    const run = await npmStart({});
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^comfycord: DISCORD_TOKEN is not set\./);
    expect(run.stderr).not.toMatch(STACK_LINE);
  }, 20_000);

  it('npm start with a token Discord refuses: a clear message, non-zero exit, no stack trace, the token not echoed', async () => {
    comfy = await ComfyStandin.start({ models: { checkpoints: [CHECKPOINT] } });
    discord = await startDiscordStandins();
    dataDir = await mkdtemp(join(tmpdir(), 'comfycord-start-'));
    const badToken = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GbadXX.not-the-right-token-at-all';
    const run = await npmStart({
      DISCORD_TOKEN: badToken,
      DISCORD_API_BASE: discord.rest.apiBase,
      COMFY_URL: comfy.url,
      WORKFLOWS_DIR: join(REPO_ROOT, 'workflows'),
      DATA_DIR: dataDir,
    });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines.at(-1)).toBe(
      'comfycord: Discord refused the token (DISCORD_TOKEN). Fix: Developer Portal → your application → Bot → Reset Token, and put the new one in .env (DISCORD_TOKEN).',
    );
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stderr + run.stdout).not.toContain(badToken);
    // It really asked Discord, with that token, and was told no.
    const refused = discord.rest.requests.find((r) => r.route === '/gateway/bot');
    expect(refused).toMatchObject({ authorization: 'bot', botTokenMatched: false, status: 401 });
  }, 20_000);

  it('npm start while Discord is unreachable (connection refused): says so, not "bad token", exit 1, no stack trace', async () => {
    const run = await npmStart(await unreachableDiscordEnv());
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines.at(-1)).toMatch(/^comfycord: Discord is unreachable \(.*ECONNREFUSED.*\)\. Fix: check this machine's network, a proxy or firewall, and DISCORD_API_BASE\.$/);
    expect(run.stderr).not.toContain('refused the token');
    expect(run.stderr).not.toMatch(STACK_LINE);
  }, 30_000);

  it('logs: readable lines when stderr is a terminal, JSON lines when it is not (LOG_FORMAT=auto)', async () => {
    // The bot logs its start-up, then stops at the login.
    const env = { ...(await unreachableDiscordEnv()), LOG_LEVEL: 'info' };
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const onTerminal = await runProcess('script', ['-qec', 'npm start --silent', '/dev/null'], { env, timeoutMs: 30_000 });
    // Without the terminal's colour codes (ESC [ … m).
    const shown = onTerminal.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(shown).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: ComfyUI connected/m);
    expect(shown).not.toContain('{"level"');
    expect(shown).not.toContain('a-token-never-checked');
    const piped = await npmStart(env, 30_000);
    const logLines = piped.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('ComfyUI connected');
    expect(piped.stderr).not.toMatch(/\] INFO: /);
  }, 60_000);

  it('in-process: startBot with a refused token throws DiscordLoginError and leaves nothing running', async () => {
    const h = await BotHarness.start({ deferStart: true });
    try {
      h.env['DISCORD_TOKEN'] = 'wrong-token';
      await expect(h.startBot()).rejects.toMatchObject({ code: 'DISCORD_LOGIN' });
      // ComfyUI's socket was closed again: the stand-in sees no open connection.
      expect(h.comfy.sockets()).toBe(0);
    } finally {
      await h.stop();
    }
  });
});
