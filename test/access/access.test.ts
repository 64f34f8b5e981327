import { describe, expect, it } from 'vitest';
import { assertAllowed, isAdmin, needsGuildRoles, type AccessConfig, type Caller } from '../../src/access/access-policy.ts';

const open: AccessConfig = { allowedChannels: [], allowedRoles: [], adminRoles: [], allowDms: false };
const member: Caller = {
  userId: '100000000000000001',
  guildId: '200000000000000001',
  channelId: '300000000000000001',
  parentChannelId: null,
  roleIds: [],
  canManageGuild: false,
};

describe('access policy', () => {
  it('lets anyone in any channel when nothing is restricted, but not in DMs unless enabled', () => {
    expect(() => assertAllowed(member, open)).not.toThrow();
    const dm = { ...member, guildId: null };
    expect(() => assertAllowed(dm, open)).toThrow(/direct messages/);
    expect(() => assertAllowed(dm, { ...open, allowDms: true })).not.toThrow();
  });

  it('restricts channels, counting a thread as its parent channel, and names the allowed ones', () => {
    const config = { ...open, allowedChannels: ['300000000000000009'] };
    expect(() => assertAllowed(member, config)).toThrow('Image commands work only in <#300000000000000009>.');
    expect(() => assertAllowed({ ...member, parentChannelId: '300000000000000009' }, config)).not.toThrow();
  });

  it('restricts roles; admins by role or Manage Server pass everywhere', () => {
    const config = { ...open, allowedRoles: ['400000000000000001'], adminRoles: ['400000000000000002'], allowedChannels: ['300000000000000009'] };
    expect(() => assertAllowed({ ...member, parentChannelId: '300000000000000009' }, config)).toThrow(/roles allowed/);
    const admin = { ...member, roleIds: ['400000000000000002'] };
    expect(isAdmin(admin, config)).toBe(true);
    expect(() => assertAllowed(admin, config)).not.toThrow();
    expect(isAdmin({ ...member, canManageGuild: true }, config)).toBe(true);
  });
});

describe('access policy in a DM', () => {
  const dm: Caller = { ...member, guildId: null, channelId: '300000000000000077' };
  const roles = { ...open, allowDms: true, allowedRoles: ['400000000000000001'], adminRoles: ['400000000000000002'] };

  it('asks for the guild roles only when a role rule applies to a DM that is allowed at all', () => {
    expect(needsGuildRoles(dm, roles)).toBe(true);
    expect(needsGuildRoles(dm, { ...roles, allowDms: false })).toBe(false);
    expect(needsGuildRoles(dm, { ...roles, allowedRoles: [] })).toBe(false);
    expect(needsGuildRoles(member, roles)).toBe(false);
  });

  it('serves a DM only with an allowed role held in a guild; an admin role is no way around it', () => {
    expect(() => assertAllowed({ ...dm, roleIds: ['400000000000000001'] }, roles)).not.toThrow();
    expect(() => assertAllowed(dm, roles)).toThrow(/allowed roles in a server it is in/);
    expect(() => assertAllowed({ ...dm, roleIds: ['400000000000000002'], canManageGuild: true }, roles)).toThrow(/allowed roles/);
  });

  it('refuses DMs without ALLOW_DMS, naming the allowed channels when there are some', () => {
    expect(() => assertAllowed(dm, { ...open, allowedChannels: ['300000000000000009'] })).toThrow(
      'This bot does not take commands in direct messages. Use it in <#300000000000000009>.',
    );
  });
});
