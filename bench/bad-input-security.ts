import { PermissionFlagsBits, type APIInteraction } from 'discord.js';
import { STANDIN_CHANNEL_PERMISSIONS, STANDIN_ROLES, standinUser } from '../test/support/discord-standin/fixtures.ts';
import { buttonInteraction, channelMessage, commandOption, modalSubmitInteraction } from '../test/support/discord-standin/index.ts';
import { findLeaks, stringsIn, type NamedSecret } from '../test/support/secret-leaks.ts';
import type { BadInputCase, CaseContext } from './bad-input-corpus.ts';
import { pollUntil } from './fault-support.ts';

/**
 * The bad-input rows for issue 8 (safe in a public community): one or more per finding,
 * run by bench/bad-input.ts through the same bot as the rest of the corpus. That bot is
 * configured with SECURITY_ENV: ComfyUI credentials to leak, the BLOCKED_WORDS,
 * DMs allowed to holders of one role (the corpus's guild commands carry that role).
 */

const USER = 'bench-user';
const PASSWORD = 'bench-pass-5f2c9e1a';
const API_KEY = 'bench-key-0c7d3b9f8e6a';
const SECRETS: readonly NamedSecret[] = [
  { name: 'COMFY_AUTH', value: `${USER}:${PASSWORD}` },
  { name: 'COMFY_AUTH password', value: PASSWORD },
  { name: 'COMFY_HEADERS X-Api-Key', value: API_KEY },
];

export const SECURITY_ENV: Record<string, string> = {
  COMFY_AUTH: `${USER}:${PASSWORD}`,
  COMFY_HEADERS: JSON.stringify({ 'X-Api-Key': API_KEY }),
  BLOCKED_WORDS: 'forbiddenword,bad phrase',
  ALLOW_DMS: 'true',
  ALLOWED_ROLES: STANDIN_ROLES.artist,
};

/** The role every guild interaction of the corpus carries, so ALLOWED_ROLES lets it through. */
export const CORPUS_ROLES = [STANDIN_ROLES.artist];

const manageGuild = STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild;

/** A secret in any Discord request body or file name the bot sent during the whole run so far. */
function noSecretInDiscord(ctx: CaseContext): string | null {
  const haystacks = ctx.h.rest.requests.map((r, index) => ({ where: `request ${index} ${r.method}`, text: [...stringsIn(r.json), ...r.files.map((f) => f.filename)].join('\n') }));
  const leaks = findLeaks(SECRETS, haystacks);
  return leaks.length === 0 ? null : `secret reached Discord: ${leaks.slice(0, 3).join('; ')}`;
}

async function send(ctx: CaseContext, raw: APIInteraction): Promise<APIInteraction> {
  await ctx.h.discord.sendInteraction(raw);
  return raw;
}

const jobIdIn = (text: string | undefined): string | null => /job (\S+)/.exec(text ?? '')?.[1] ?? null;

const secretCases: BadInputCase[] = [
  {
    name: '8.1 POST /prompt → 500 page echoing the request headers',
    group: 'security',
    expect: ['failed'],
    says: /answered HTTP 500 on POST \/prompt/,
    send: (c) => (c.h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 500, body: '', echoHeaders: 'text' }), c.imagine('a fox')),
    check: noSecretInDiscord,
  },
  {
    name: '8.1 POST /prompt → 502 HTML echoing the request headers',
    group: 'security',
    expect: ['failed'],
    says: /answered HTTP 502 on POST \/prompt/,
    send: (c) => (c.h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 502, body: '', echoHeaders: 'html' }), c.imagine('a fox')),
    check: noSecretInDiscord,
  },
  {
    name: '8.1 execution_error whose message repeats the request headers',
    group: 'security',
    expect: ['failed'],
    send: (c) => (c.h.comfy.failRunsEchoingHeaders(1), c.imagine('a fox')),
    check: noSecretInDiscord,
  },
  {
    name: '8.1 GET /view → 500 JSON echoing the request headers',
    group: 'security',
    expect: ['failed'],
    // Each fetch of the result is tried again with a pause before the job fails.
    timeoutMs: 40_000,
    send: (c) => (c.h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 500, body: '', echoHeaders: 'json' }, { times: 5 }), c.imagine('a fox')),
    check: noSecretInDiscord,
  },
  { name: '8.1 a prompt with the API key pasted in', group: 'security', expect: ['delivered', 'failed', 'refused'], send: (c) => c.imagine(`a fox ${API_KEY}`), check: noSecretInDiscord },
];

const scopeCases: BadInputCase[] = [
  {
    name: "8.2 /show of this guild's job by another guild's admin",
    group: 'security',
    expect: ['refused'],
    says: /There is no job/,
    send: async (c) => {
      const made = await c.imagine('a fox of guild one');
      await pollUntil(() => /^(✅|❌)/u.test(c.h.reply(made)?.content ?? ''), 10_000, 50);
      const jobId = jobIdIn(c.h.reply(made)?.embeds[0]?.footer?.text) ?? 'unknown';
      const other = c.h.discord.rest.world.otherGuild;
      return c.h.slash('show', [commandOption.string('job', jobId)], { guild: other, memberPermissions: manageGuild });
    },
    check: (c, raw) => (JSON.stringify(c.h.rest.requests.filter((r) => r.route.includes(raw.token)).map((r) => r.json)).includes('guild one') ? 'the refusal named the prompt' : null),
  },
];

const dmCases: BadInputCase[] = [
  {
    name: '8.3 DM from someone without ALLOWED_ROLES in any guild (ALLOW_DMS=true)',
    group: 'security',
    expect: ['refused'],
    says: /allowed roles/,
    send: (c) => c.h.slash('imagine', [commandOption.string('prompt', 'a fox'), commandOption.integer('steps', 2), commandOption.string('size', '256x256')], { dm: true }),
  },
  {
    name: '8.3 DM from someone holding an allowed role in a guild the bot serves',
    group: 'security',
    expect: ['delivered'],
    send: (c) => {
      const artist = standinUser('1290000000000000561', 'dm-artist');
      c.h.rest.setMemberRoles(c.h.discord.rest.world.guild.id, artist, [STANDIN_ROLES.artist]);
      return c.h.slash('imagine', [commandOption.string('prompt', 'a fox by DM'), commandOption.integer('steps', 2), commandOption.string('size', '256x256')], { dm: true, user: artist });
    },
  },
];

const blockedCases: BadInputCase[] = [
  ['plural', 'a forbiddenwords fox'],
  ['Cyrillic і', 'a forb\u0456ddenword fox'],
  ['U+034F inside', 'a forbidden\u034Fword fox'],
  ['U+3164 inside', 'a forbidden\u3164word fox'],
  ['two spaces in the phrase', 'a bad  phrase fox'],
  ['line break in the phrase', 'a bad\nphrase fox'],
].map(([what, prompt]) => ({ name: `8.5 blocked word: ${what}`, group: 'security', expect: ['refused'], says: /does not allow/, send: (c: CaseContext) => c.imagine(prompt ?? '') }) satisfies BadInputCase);

const strictCases: BadInputCase[] = [
  { name: "8.6 size '256x256; DROP TABLE'", group: 'security', expect: ['refused'], says: /size must look like/, send: (c) => c.imagine('a fox', [commandOption.string('size', '256x256; DROP TABLE')]) },
  {
    name: '8.7 checkpoint one character off → refused with the closest',
    group: 'security',
    expect: ['refused'],
    says: /closest: sd_xl_base_1\.0\.safetensors/,
    send: (c) => c.imagine('a fox', [commandOption.string('checkpoint', 'sd_xl_base_1.1.safetensors')]),
  },
  { name: '8.7 sampler mistyped → refused with the closest', group: 'security', expect: ['refused'], says: /closest: euler/, send: (c) => c.imagine('a fox', [commandOption.string('sampler', 'eulr')]) },
  {
    name: '8.6 /settings size 99992x99992',
    group: 'security',
    expect: ['refused'],
    says: /width must be/,
    send: (c) => c.h.slash('settings', [commandOption.subcommand('set', [commandOption.string('size', '99992x99992')])], { memberPermissions: manageGuild }),
  },
  {
    name: '8.6 /settings steps 1e9',
    group: 'security',
    expect: ['refused'],
    says: /steps must be/,
    send: (c) => c.h.slash('settings', [commandOption.subcommand('set', [commandOption.integer('steps', 1e9)])], { memberPermissions: manageGuild }),
  },
  {
    name: '8.6 button with an unknown custom_id prefix',
    group: 'security',
    expect: ['refused'],
    says: /no longer valid/,
    send: (c) => send(c, buttonInteraction({ customId: 'old:thing:1', message: channelMessage({}), roles: CORPUS_ROLES })),
  },
  {
    name: '8.6 form with an unknown custom_id prefix',
    group: 'security',
    expect: ['refused'],
    says: /no longer valid/,
    send: (c) => send(c, modalSubmitInteraction({ customId: 'old:form:1', fields: { prompt: 'x' }, roles: CORPUS_ROLES })),
  },
  { name: '8.6 an option of the wrong type (text for steps)', group: 'security', expect: ['refused'], says: /no longer valid/, send: (c) => c.imagine('a fox', [commandOption.string('steps', 'many')]) },
];

export const SECURITY_CASES: readonly BadInputCase[] = [...secretCases, ...scopeCases, ...dmCases, ...blockedCases, ...strictCases];
