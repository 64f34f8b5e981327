import { describe, expect, it } from 'vitest';
import { DmRoleCache, RoleLookupError } from '../../src/access/dm-role-cache.ts';
import type { Clock } from '../../src/clock.ts';

/** A clock that moves only when the test says so (no timers are needed by the cache). */
function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    after: () => () => undefined,
    every: () => () => undefined,
    advance(ms) {
      now += ms;
    },
  };
}

/** A lookup that answers from a table the test edits, counting how often it was asked. */
function tableLookup(roles: Map<string, string[]>) {
  const asked: string[] = [];
  const lookup = async (userId: string) => {
    asked.push(userId);
    const held = roles.get(userId);
    if (held === undefined) throw new Error('discord down');
    return held;
  };
  return { asked, lookup };
}

describe('DmRoleCache', () => {
  it('remembers a user holding a role for 5 minutes, then asks again', async () => {
    const clock = manualClock();
    const table = new Map([['u1', ['r1']]]);
    const { asked, lookup } = tableLookup(table);
    const cache = new DmRoleCache({ lookup, clock });
    expect(await cache.rolesOf('u1')).toEqual(['r1']);
    table.set('u1', []);
    clock.advance(4 * 60_000);
    expect(await cache.rolesOf('u1')).toEqual(['r1']);
    expect(asked).toEqual(['u1']);
    clock.advance(60_001);
    expect(await cache.rolesOf('u1')).toEqual([]);
    expect(asked).toEqual(['u1', 'u1']);
  });

  it('remembers a user holding none for only a minute, so a role just given counts soon', async () => {
    const clock = manualClock();
    const table = new Map([['u1', [] as string[]]]);
    const { asked, lookup } = tableLookup(table);
    const cache = new DmRoleCache({ lookup, clock });
    expect(await cache.rolesOf('u1')).toEqual([]);
    table.set('u1', ['r1']);
    clock.advance(59_000);
    expect(await cache.rolesOf('u1')).toEqual([]);
    clock.advance(1_001);
    expect(await cache.rolesOf('u1')).toEqual(['r1']);
    expect(asked).toHaveLength(2);
  });

  it('a burst of DMs from one user makes one lookup', async () => {
    const { asked, lookup } = tableLookup(new Map([['u1', ['r1']]]));
    const cache = new DmRoleCache({ lookup, clock: manualClock() });
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.rolesOf('u1')));
    expect(answers.every((roles) => roles[0] === 'r1')).toBe(true);
    expect(asked).toEqual(['u1']);
  });

  it('a failed lookup becomes RoleLookupError and is not remembered', async () => {
    const table = new Map<string, string[]>();
    const { asked, lookup } = tableLookup(table);
    const cache = new DmRoleCache({ lookup, clock: manualClock() });
    await expect(cache.rolesOf('u1')).rejects.toBeInstanceOf(RoleLookupError);
    await expect(cache.rolesOf('u1')).rejects.toMatchObject({ code: 'DM_ROLES_UNAVAILABLE' });
    table.set('u1', ['r1']);
    expect(await cache.rolesOf('u1')).toEqual(['r1']);
    expect(asked).toHaveLength(3);
  });

  it('keeps at most maxEntries users, forgetting the oldest first', async () => {
    const table = new Map(Array.from({ length: 5 }, (_, i) => [`u${i}`, ['r1']] as [string, string[]]));
    const { asked, lookup } = tableLookup(table);
    const cache = new DmRoleCache({ lookup, clock: manualClock(), maxEntries: 3 });
    for (let i = 0; i < 5; i += 1) await cache.rolesOf(`u${i}`);
    expect(cache.size).toBe(3);
    await cache.rolesOf('u4');
    await cache.rolesOf('u0');
    expect(asked).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u0']);
  });
});
