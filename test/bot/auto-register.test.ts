import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness } from './harness.ts';

/** The PUTs of command lists the Discord stand-in received, by route. */
function commandPuts(h: BotHarness): string[] {
  return h.rest.requests.filter((r) => r.method === 'PUT' && r.route.endsWith('/commands')).map((r) => r.route);
}

describe('commands registered on start', () => {
  let h: BotHarness | null = null;
  let workflows: string | null = null;
  afterEach(async () => {
    await h?.stop();
    if (workflows) await rm(workflows, { recursive: true, force: true });
    h = null;
    workflows = null;
  });

  it('registers to DISCORD_GUILD_ID on the first start, not again with the same definitions, again when a template changed', async () => {
    workflows = await mkdtemp(join(tmpdir(), 'comfycord-workflows-'));
    await cp(join(REPO_ROOT, 'workflows'), workflows, { recursive: true });
    h = await BotHarness.start({ deferStart: true });
    const guildId = h.discord.world.guild.id;
    Object.assign(h.env, { DISCORD_GUILD_ID: guildId, WORKFLOWS_DIR: workflows });
    await h.startBot();
    const route = `/applications/${h.discord.world.application.id}/guilds/${guildId}/commands`;
    expect(commandPuts(h)).toEqual([route]);
    expect(h.rest.commands(guildId).map((command) => command.name)).toContain('imagine');

    await h.restartBot();
    expect(commandPuts(h)).toEqual([route]);

    const file = join(workflows, 'txt2img.json');
    const template = JSON.parse(await readFile(file, 'utf8')) as { options: { steps: { max: number } } };
    template.options.steps.max = 150;
    await writeFile(file, JSON.stringify(template));
    await h.restartBot();
    expect(commandPuts(h)).toEqual([route, route]);
    const imagine = h.rest.commands(guildId).find((command) => command.name === 'imagine');
    const steps = imagine?.options?.find((option) => option.name === 'steps') as { max_value?: number } | undefined;
    expect(steps?.max_value).toBe(150);
  });

  it('registers globally without DISCORD_GUILD_ID', async () => {
    h = await BotHarness.start();
    expect(commandPuts(h)).toEqual([`/applications/${h.discord.world.application.id}/commands`]);
    expect(h.rest.commands('global').length).toBeGreaterThanOrEqual(8);
  });

  it('AUTO_REGISTER=false registers nothing', async () => {
    h = await BotHarness.start({ env: { AUTO_REGISTER: 'false' } });
    expect(commandPuts(h)).toEqual([]);
  });
});
