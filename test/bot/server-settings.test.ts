import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits, type APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { createStandinWorld, STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/fixtures.ts';
import { buttonInteraction, commandOption, type InteractionScene } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, nodeOf, promptBodies } from './harness.ts';

/**
 * `/settings … scope:server`: a guild's own defaults, under each channel's. A channel
 * without a value takes the server's, a channel's value beats it, a role template the
 * server chose runs from a button, and nothing crosses into another guild or a DM.
 */

let h: BotHarness | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await h?.stop();
  h = null;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const world = createStandinWorld();
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };
const scope = (value: 'channel' | 'server') => commandOption.string('scope', value);
const stepsOf = (harness: BotHarness, index: number): unknown => nodeOf(promptBodies(harness.comfy)[index]!.prompt, 'KSampler').inputs['steps'];
const jobIdOf = (harness: BotHarness, raw: APIInteraction): string => /job (\S+)/.exec(harness.reply(raw)?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

/** `/imagine` without steps, so the defaults decide them. */
async function imagine(harness: BotHarness, scene: InteractionScene = {}): Promise<APIInteraction> {
  const raw = await harness.slash('imagine', [commandOption.string('prompt', 'a lighthouse'), commandOption.string('size', '512x512')], scene);
  expect(messageJson(await harness.waitForFinal(raw)).content).toMatch(/^✅/u);
  return raw;
}

async function settings(harness: BotHarness, sub: 'show' | 'set' | 'clear', options: Parameters<typeof commandOption.subcommand>[1], scene: InteractionScene = admin): Promise<string> {
  const raw = await harness.slash('settings', [commandOption.subcommand(sub, options)], scene);
  return harness.waitForEphemeral(raw);
}

/** The repo's templates plus `outpaint-soft`: the stock outpaint with an 8-pixel feather, to tell the two apart. */
async function workflowsWithSoftOutpaint(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'comfycord-server-settings-'));
  dirs.push(dir);
  await cp(join(REPO_ROOT, 'workflows'), dir, { recursive: true });
  const stock = JSON.parse(await readFile(join(dir, 'outpaint.json'), 'utf8')) as { options: { feather: { default: number } } };
  stock.options.feather.default = 8;
  await writeFile(join(dir, 'outpaint-soft.json'), JSON.stringify(stock));
  return dir;
}

describe('server-wide defaults (/settings scope:server)', () => {
  it('apply in a channel without its own; the channel\'s value beats them; show says which come from the server', async () => {
    h = await BotHarness.start();
    expect(await settings(h, 'set', [scope('server'), commandOption.integer('steps', 3), commandOption.boolean('spoiler', false)])).toBe(
      `Server defaults now: steps **3**, results as spoilers **no**.`,
    );
    await imagine(h);
    expect(stepsOf(h, 0)).toBe(3);

    expect(await settings(h, 'set', [commandOption.integer('steps', 4)])).toMatch(/steps \*\*4\*\*/);
    await imagine(h);
    expect(stepsOf(h, 1)).toBe(4);

    const channel = world.guild.channels[0]!.id;
    expect(await settings(h, 'show', [])).toBe(`Defaults in <#${channel}>: steps **4**, results as spoilers **no** (from the server).`);
    expect(await settings(h, 'show', [scope('server')])).toBe('Server defaults: steps **3**, results as spoilers **no**.');
    expect(await settings(h, 'show', [scope('channel')])).toBe(`Defaults in <#${channel}>: steps **4**, results as spoilers **no** (from the server).`);
  }, 30_000);

  it('a server\'s outpaint_template runs from Zoom Out; another guild and DMs keep the bot\'s own', async () => {
    h = await BotHarness.start({ env: { WORKFLOWS_DIR: await workflowsWithSoftOutpaint(), ALLOW_DMS: 'true' } });
    expect(await settings(h, 'set', [scope('server'), commandOption.string('outpaint_template', 'outpaint-soft'), commandOption.integer('steps', 3)])).toMatch(
      /outpaint template \*\*outpaint-soft\*\*/,
    );
    const feathers: unknown[] = [];
    for (const scene of [{}, { guild: world.otherGuild }] satisfies InteractionScene[]) {
      const raw = await imagine(h, scene);
      const zoom = buttonInteraction({ ...scene, customId: `cc:zoom2:${jobIdOf(h, raw)}:0`, message: h.reply(raw)! });
      await h.discord.sendInteraction(zoom);
      expect(messageJson(await h.waitForFinal(zoom)).content).toMatch(/^✅/u);
      feathers.push(nodeOf(promptBodies(h.comfy).at(-1)!.prompt, 'ImagePadForOutpaint').inputs['feathering']);
    }
    expect(feathers).toEqual([8, 64]);
    // The server's steps: in its guild, not in the other one (index 2) nor in a DM (index 4).
    await imagine(h, { dm: true });
    const stock = (JSON.parse(await readFile(join(REPO_ROOT, 'workflows', 'txt2img.json'), 'utf8')) as { options: { steps: { default: number } } }).options.steps.default;
    expect(stock).not.toBe(3);
    expect([stepsOf(h, 0), stepsOf(h, 2), stepsOf(h, 4)]).toEqual([3, stock, stock]);
    expect(await settings(h, 'show', [scope('server')], { ...admin, guild: world.otherGuild })).toBe('Server defaults: none (the channels\' and templates\' own apply).');
  }, 40_000);

  it('a server role template of the wrong role is refused; one removed since is refused with the stale-default wording', async () => {
    const workflows = await workflowsWithSoftOutpaint();
    h = await BotHarness.start({ env: { WORKFLOWS_DIR: workflows } });
    expect(await settings(h, 'set', [scope('server'), commandOption.string('upscale_template', 'txt2img')])).toBe("⚠️ 'txt2img' is a generate template, not upscale");
    expect(await settings(h, 'show', [scope('server')])).toBe('Server defaults: none (the channels\' and templates\' own apply).');
    await settings(h, 'set', [scope('server'), commandOption.string('outpaint_template', 'outpaint-soft')]);
    await rm(join(workflows, 'outpaint-soft.json'));
    await h.restartBot();
    const raw = await imagine(h);
    const zoom = buttonInteraction({ customId: `cc:zoom2:${jobIdOf(h, raw)}:0`, message: h.reply(raw)! });
    await h.discord.sendInteraction(zoom);
    expect(await h.waitForEphemeral(zoom)).toBe(
      "⚠️ this channel's default outpaint template is no longer valid; an admin can change it with `/settings` (there is no template 'outpaint-soft' any more)",
    );
    expect(promptBodies(h.comfy)).toHaveLength(1);
  }, 30_000);

  it('refuses a non-admin; clear scope:server removes the server\'s and keeps the channel\'s', async () => {
    h = await BotHarness.start();
    expect(await settings(h, 'set', [scope('server'), commandOption.integer('steps', 3)], {})).toBe(
      '⚠️ Only admins (Manage Server, or a role in ADMIN_ROLES) can change server settings.',
    );
    expect(await settings(h, 'show', [scope('server')])).toBe('Server defaults: none (the channels\' and templates\' own apply).');

    await settings(h, 'set', [scope('server'), commandOption.integer('steps', 3)]);
    await settings(h, 'set', [commandOption.boolean('spoiler', true)]);
    expect(await settings(h, 'clear', [scope('server')])).toBe('Cleared the server defaults.');
    const channel = world.guild.channels[0]!.id;
    expect(await settings(h, 'show', [])).toBe(`Defaults in <#${channel}>: results as spoilers **yes**.`);
    await imagine(h);
    expect(stepsOf(h, 0)).not.toBe(3);
  }, 30_000);
});
