import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandins, type DiscordStandins } from '../support/discord-standin/index.ts';
import { runCli } from './run-cli.ts';

let discord: DiscordStandins;
beforeAll(async () => {
  discord = await startDiscordStandins();
});
afterAll(async () => {
  await discord.close();
});

describe('comfycord register', () => {
  it('registers every command to DISCORD_GUILD_ID, with limits from the templates', async () => {
    const guildId = discord.world.guild.id;
    const result = await runCli(['register'], {
      env: { DISCORD_TOKEN: discord.botToken, DISCORD_API_BASE: discord.rest.apiBase, DISCORD_GUILD_ID: guildId, LOG_LEVEL: 'silent' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Registered \d+ commands to server \d+; they are usable now\.\n$/);
    const commands = discord.rest.commands(guildId);
    const names = commands.map((command) => command.name).sort();
    expect(names).toEqual(expect.arrayContaining(['Remix', 'cancel', 'comfy', 'img2img', 'imagine', 'queue', 'show', 'templates']));
    const imagine = commands.find((command) => command.name === 'imagine')!;
    const steps = imagine.options?.find((option) => option.name === 'steps') as { min_value?: number; max_value?: number } | undefined;
    // txt2img and img2img both allow 1-100 steps: the registered bounds are the templates' own
    expect([steps?.min_value, steps?.max_value]).toEqual([1, 100]);
    expect(JSON.stringify(commands)).not.toContain(discord.botToken);
  });

  it('registers globally without DISCORD_GUILD_ID', async () => {
    const result = await runCli(['register'], { env: { DISCORD_TOKEN: discord.botToken, DISCORD_API_BASE: discord.rest.apiBase, LOG_LEVEL: 'silent' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/globally/);
    expect(discord.rest.commands('global').length).toBeGreaterThanOrEqual(8);
  });

  it('says what to set when the token is missing or refused, without a stack trace', async () => {
    const missing = await runCli(['register'], { env: { DISCORD_API_BASE: discord.rest.apiBase } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/DISCORD_TOKEN is not set/);
    const refused = await runCli(['register'], { env: { DISCORD_TOKEN: 'wrong-token', DISCORD_API_BASE: discord.rest.apiBase, LOG_LEVEL: 'silent' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Discord refused the token \(DISCORD_TOKEN\)\. Fix: /);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(refused.stderr).not.toContain('wrong-token');
  });
});
