import { describe, expect, it } from 'vitest';
import { assertAllowed, isAdmin, type AccessConfig, type Caller } from '../../src/access/access-policy.ts';
import { findBlockedWord } from '../../src/access/blocked-words.ts';

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

describe('blocked words', () => {
  it('matches whole words case-insensitively, through zero-width and compatibility characters', () => {
    expect(findBlockedWord(['A Gory scene'], ['gory'])).toBe('gory');
    expect(findBlockedWord(['go\u200Bry'], ['gory'])).toBe('gory');
    expect(findBlockedWord(['ＧＯＲＹ'], ['gory'])).toBe('gory');
    expect(findBlockedWord(['allegory of spring'], ['gory'])).toBeNull();
    expect(findBlockedWord(['fine', 'negative: blood'], ['blood'])).toBe('blood');
    expect(findBlockedWord(['anything'], [])).toBeNull();
  });
});
