import { describe, expect, it } from 'vitest';
import { OverwriteType, PermissionFlagsBits as P } from 'discord.js';
import { channelPermissions, missingRequired, type GuildFacts } from '../../src/discord/channel-permissions.ts';

const GUILD = '100000000000000001';
const BOT = '100000000000000002';
const ROLE = '100000000000000003';
const everyoneCan = P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles | P.ReadMessageHistory;
const guild = (everyone: bigint, role = 0n, ownerId = '100000000000000009'): GuildFacts => ({
  id: GUILD,
  ownerId,
  roles: [
    { id: GUILD, permissions: everyone.toString() },
    { id: ROLE, permissions: role.toString() },
  ],
});
const overwrite = (id: string, type: OverwriteType, allow: bigint, deny: bigint) => ({ id, type, allow: allow.toString(), deny: deny.toString() });

describe('the bot\'s permissions in a channel, from REST data', () => {
  it('takes @everyone and the member\'s roles, then the overwrites in Discord\'s order', () => {
    expect(missingRequired(channelPermissions(guild(everyoneCan), { roles: [] }, BOT, []))).toEqual([]);
    const denied = [overwrite(GUILD, OverwriteType.Role, 0n, P.AttachFiles | P.SendMessages)];
    expect(missingRequired(channelPermissions(guild(everyoneCan), { roles: [] }, BOT, denied))).toEqual(['Send Messages', 'Attach Files']);
    // A role's allow beats @everyone's deny; the member's own deny beats the role's allow.
    const roleAllows = [...denied, overwrite(ROLE, OverwriteType.Role, P.AttachFiles | P.SendMessages, 0n)];
    expect(missingRequired(channelPermissions(guild(everyoneCan), { roles: [ROLE] }, BOT, roleAllows))).toEqual([]);
    const memberDenies = [...roleAllows, overwrite(BOT, OverwriteType.Member, 0n, P.EmbedLinks)];
    expect(missingRequired(channelPermissions(guild(everyoneCan), { roles: [ROLE] }, BOT, memberDenies))).toEqual(['Embed Links']);
  });

  it('Administrator or owning the guild passes every overwrite', () => {
    const denyAll = [overwrite(GUILD, OverwriteType.Role, 0n, everyoneCan)];
    expect(missingRequired(channelPermissions(guild(0n, P.Administrator), { roles: [ROLE] }, BOT, denyAll))).toEqual([]);
    expect(missingRequired(channelPermissions(guild(0n, 0n, BOT), { roles: [] }, BOT, denyAll))).toEqual([]);
    expect(missingRequired(channelPermissions(guild(0n), { roles: [] }, BOT, []))).toHaveLength(5);
  });
});
