import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverwriteType, PermissionFlagsBits } from 'discord.js';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { EDIT_MODELS } from '../support/edit-models.ts';
import { createStandinWorld, type StandinWorld } from '../support/discord-standin/fixtures.ts';
import { DiscordRestStandin } from '../support/discord-standin/rest-standin.ts';
import { STANDIN_BOT_TOKEN } from '../support/discord-standin/standins.ts';
import { registrationScope } from '../../src/discord/register-commands.ts';
import { existsSync } from 'node:fs';
import { openDataDirStore } from '../../src/store/data-dir-store.ts';
import { databasePath } from '../../src/store/open-database.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { runCli, type CliResult } from './run-cli.ts';

const MODELS = {
  checkpoints: ['sd_xl_base_1.0.safetensors'],
  upscale_models: ['RealESRGAN_x4plus.pth'],
  // The shipped video and animate templates' Wan files (workflows/video.json, workflows/animate.json),
  // and the edit templates' (test/support/edit-models.ts).
  diffusion_models: ['wan2.1_t2v_1.3B_fp16.safetensors', 'wan2.1_i2v_480p_14B_fp16.safetensors', ...EDIT_MODELS.diffusion_models],
  text_encoders: ['umt5_xxl_fp8_e4m3fn_scaled.safetensors', ...EDIT_MODELS.text_encoders],
  clip_vision: ['clip_vision_h.safetensors'],
  vae: ['wan_2.1_vae.safetensors', ...EDIT_MODELS.vae],
};
/** The first test starts the CLI three times (register, doctor with the probe, doctor --no-probe), each compiled by tsx first: slow on a loaded 2-core machine. */
const CLI_RUNS_MS = 60_000;
const PREVIEWS_OFF = 'previews are off on this server: start ComfyUI with --preview-method auto';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'comfycord-doctor-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The default world, with @everyone denied `deny` in the guild's channel. */
function worldDenying(deny: bigint): StandinWorld {
  const base = createStandinWorld();
  const channel = { ...base.guild.channels[0]!, permission_overwrites: [{ id: base.guild.id, type: OverwriteType.Role, allow: '0', deny: deny.toString() }] };
  return { ...base, guild: { ...base.guild, channels: [channel] } };
}

function doctor(env: Record<string, string>, args: string[] = []): Promise<CliResult> {
  return runCli(['doctor', ...args], { env, timeoutMs: 60_000 });
}

/** The line of `label` in the doctor output, and the `fix:` line under it when it failed. */
function lineOf(output: string, label: string): string {
  const lines = output.split('\n');
  const index = lines.findIndex((line) => line.includes(label));
  if (index < 0) throw new Error(`no line with '${label}' in:\n${output}`);
  const next = lines[index + 1] ?? '';
  return next.trimStart().startsWith('fix:') ? `${lines[index]}\n${next}` : lines[index]!;
}

describe('comfycord doctor', () => {
  it('all ✓ and exit 0 against a Discord where the bot may post and has its commands, and a ComfyUI with everything', async () => {
    const comfy = await ComfyStandin.start({ stepDelayMs: 5, models: MODELS, launchPreviewMethod: 'auto' });
    const discord = await DiscordRestStandin.start({ botToken: STANDIN_BOT_TOKEN });
    try {
      const env = {
        COMFY_URL: comfy.url,
        DISCORD_TOKEN: STANDIN_BOT_TOKEN,
        DISCORD_API_BASE: discord.apiBase,
        DISCORD_GUILD_ID: discord.world.guild.id,
        ALLOWED_CHANNELS: discord.world.guild.channels[0]!.id,
        DATA_DIR: join(work, 'good-data'),
      };
      expect((await runCli(['register'], { env })).code).toBe(0);
      const result = await doctor(env);
      expect(result.stdout).not.toContain('✗');
      expect(result.code).toBe(0);
      expect(lineOf(result.stdout, 'configuration valid')).toMatch(/✓/);
      expect(lineOf(result.stdout, 'DATA_DIR')).toMatch(/✓ DATA_DIR .*writable \(will be created\), .* free/);
      expect(lineOf(result.stdout, 'Discord token accepted')).toContain(`bot comfycord-standin (${discord.world.botUser.id})`);
      expect(lineOf(result.stdout, 'application id')).toContain(discord.world.application.id);
      expect(lineOf(result.stdout, 'bot in DISCORD_GUILD_ID')).toMatch(/✓/);
      expect(lineOf(result.stdout, '#generations')).toMatch(/✓ #generations .*View, Send, Embed, Attach, Read History/);
      expect(lineOf(result.stdout, 'slash commands')).toMatch(/✓ slash commands \(server \d+\): \d+ registered, matching/);
      expect(lineOf(result.stdout, 'reachable')).toContain('ComfyUI 0.3.64');
      for (const template of ['txt2img', 'img2img', 'upscale', 'upscale-refine']) {
        expect(lineOf(result.stdout, `template ${template}`)).toMatch(/✓ .*has the node types and models it needs/);
      }
      expect(lineOf(result.stdout, 'sends previews')).toMatch(/✓ sends previews: probe: a 2-step run of txt2img/);
      // The probe wrote to ComfyUI's temp folder, not the operator's outputs.
      expect(comfy.outputs.size).toBe(0);
      expect(comfy.temp.size).toBeGreaterThan(0);
      expect(result.stdout).toContain('Everything checked is fine.');
      expect(result.stdout + result.stderr).not.toContain(STANDIN_BOT_TOKEN);

      // The bot recorded other definitions at its last registration than this checkout has.
      const store = SqliteJobStore.open(databasePath(env.DATA_DIR));
      store.commandRegistrations.record(registrationScope(discord.world.application.id, discord.world.guild.id), 'a-hash-of-other-definitions');
      store.close();
      const stale = await doctor(env, ['--no-probe']);
      expect(stale.code).toBe(1);
      expect(lineOf(stale.stdout, 'slash commands')).toMatch(/✗ slash commands .*the local definitions changed since the bot last registered them/);
    } finally {
      await Promise.all([comfy.close(), discord.close()]);
    }
  }, CLI_RUNS_MS);

  it('a ✗ with its fix for each problem, exit 1: missing model, previews off, a denied permission, unregistered commands', async () => {
    // A ComfyUI 0.3.64 started without --preview-method, lacking the upscale model.
    const comfy = await ComfyStandin.start({ stepDelayMs: 5, models: { checkpoints: MODELS.checkpoints }, launchPreviewMethod: 'none' });
    const discord = await DiscordRestStandin.start({ botToken: STANDIN_BOT_TOKEN, world: worldDenying(PermissionFlagsBits.AttachFiles | PermissionFlagsBits.EmbedLinks) });
    try {
      const result = await doctor({
        COMFY_URL: comfy.url,
        DISCORD_TOKEN: STANDIN_BOT_TOKEN,
        DISCORD_API_BASE: discord.apiBase,
        DISCORD_GUILD_ID: discord.world.guild.id,
        ALLOWED_CHANNELS: discord.world.guild.channels[0]!.id,
        DATA_DIR: join(work, 'bad-data'),
      });
      process.stdout.write(`\n--- doctor against a stand-in with a missing model ---\n${result.stdout}---\n`);
      expect(result.code).toBe(1);
      expect(lineOf(result.stdout, '#generations')).toMatch(/✗ #generations .*the bot lacks Embed Links, Attach Files\n\s+fix: Edit Channel → Permissions/);
      expect(lineOf(result.stdout, 'slash commands')).toMatch(/✗ slash commands .*not registered: \/imagine.*\n\s+fix: restart the bot \(AUTO_REGISTER/);
      expect(lineOf(result.stdout, 'template upscale:')).toMatch(/✗ template upscale: .*upscale model 'RealESRGAN_x4plus.pth' is not on the server\n\s+fix: put the model files in ComfyUI\/models\/upscale_models\//);
      expect(lineOf(result.stdout, 'template txt2img')).toMatch(/✓/);
      expect(lineOf(result.stdout, 'previews')).toContain(`✗ previews: ${PREVIEWS_OFF}`);
      expect(result.stdout).toMatch(/fix: add --preview-method auto to the command that starts ComfyUI/);
      expect(result.stdout).toMatch(/\d+ problems found\./);
    } finally {
      await Promise.all([comfy.close(), discord.close()]);
    }
  });

  it("shows DATA_DIR's store id, and a deleted comfycord.db as the ✗ a start would refuse with, fix included", async () => {
    const comfy = await ComfyStandin.start({ stepDelayMs: 5, models: MODELS });
    try {
      const dataDir = join(work, 'store-check');
      const store = openDataDirStore(dataDir);
      const storeId = store.storeId()!;
      store.close();
      const good = await doctor({ COMFY_URL: comfy.url, DATA_DIR: dataDir }, ['--no-probe']);
      expect(good.code).toBe(0);
      expect(lineOf(good.stdout, 'store in DATA_DIR')).toBe(`  ✓ store in DATA_DIR: ${storeId} (comfycord.store-id and comfycord.db agree)`);

      await rm(databasePath(dataDir));
      const lost = await doctor({ COMFY_URL: comfy.url, DATA_DIR: dataDir }, ['--no-probe']);
      expect(lost.code).toBe(1);
      expect(lineOf(lost.stdout, 'store in DATA_DIR')).toMatch(/✗ store in DATA_DIR: .*comfycord\.db is missing\.\n\s+fix: .*comfycord backup FILE.*--new-store/);
      expect(existsSync(databasePath(dataDir))).toBe(false);
    } finally {
      await comfy.close();
    }
  });

  it('without DISCORD_TOKEN checks ComfyUI only and passes when ComfyUI is fine', async () => {
    const comfy = await ComfyStandin.start({ stepDelayMs: 5, models: MODELS });
    try {
      const result = await doctor({ COMFY_URL: comfy.url, DATA_DIR: join(work, 'cli-only') }, ['--no-probe']);
      expect(result.code).toBe(0);
      expect(lineOf(result.stdout, '– Discord')).toMatch(/– Discord: DISCORD_TOKEN is not set, so only ComfyUI is checked/);
      expect(lineOf(result.stdout, 'previews')).toMatch(/– previews: not checked \(--no-probe\)/);
      expect(comfy.requests.some((request) => request.path.endsWith('/prompt'))).toBe(false);
    } finally {
      await comfy.close();
    }
  });

  it('tells a refused token, a server that is down, a bot not in the guild and an unwritable DATA_DIR apart', async () => {
    const discord = await DiscordRestStandin.start({ botToken: STANDIN_BOT_TOKEN });
    const down = await ComfyStandin.start({});
    const downUrl = down.url;
    await down.close();
    const blocker = join(work, 'a-file');
    await writeFile(blocker, 'not a folder');
    try {
      const refused = await doctor({ COMFY_URL: downUrl, DISCORD_TOKEN: 'wrong-token.xyz', DISCORD_API_BASE: discord.apiBase, DATA_DIR: join(blocker, 'data') });
      expect(refused.code).toBe(1);
      expect(lineOf(refused.stdout, 'Discord token')).toMatch(/✗ Discord token: Discord refused it \(401\)\n\s+fix: Developer Portal/);
      expect(lineOf(refused.stdout, 'reachable')).toMatch(/✗ reachable: .*\n\s+fix: start ComfyUI there, or correct COMFY_URL/);
      expect(lineOf(refused.stdout, 'DATA_DIR')).toMatch(/✗ DATA_DIR .*cannot be created in .*a-file \(ENOTDIR\)/);
      expect(refused.stdout + refused.stderr).not.toContain('wrong-token.xyz');

      const elsewhere = await doctor({ COMFY_URL: downUrl, DISCORD_TOKEN: STANDIN_BOT_TOKEN, DISCORD_API_BASE: discord.apiBase, DISCORD_GUILD_ID: '1290000000000009999', DATA_DIR: join(work, 'd2') });
      expect(lineOf(elsewhere.stdout, 'bot in DISCORD_GUILD_ID')).toMatch(
        /✗ bot in DISCORD_GUILD_ID 1290000000000009999: the bot is not in that server\n\s+fix: invite it: https:\/\/discord.com\/oauth2\/authorize\?client_id=\d+&scope=bot%20applications.commands&permissions=\d+&guild_id=1290000000000009999/,
      );
    } finally {
      await discord.close();
    }
  });

  it('a configuration that does not parse is one ✗ naming the variables, exit 1', async () => {
    const result = await doctor({ COMFY_URL: 'ftp://nowhere', USER_MAX_PENDING: '-1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ configuration: .*COMFY_URL.*USER_MAX_PENDING/);
    expect(result.stdout).toMatch(/fix: correct these variables/);
  });
});
