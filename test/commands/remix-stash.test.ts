import { describe, expect, it } from 'vitest';
import { RemixStash, type RemixTarget } from '../../src/commands/remix-stash.ts';

const target = (userId = 'u1', imageUrl = 'https://cdn.discordapp.com/attachments/1/2/cat.png?ex=1&is=2&hm=3'): RemixTarget => ({
  imageUrl,
  channelId: 'c1',
  userId,
  prompt: '',
  modes: ['remix'],
});

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('RemixStash', () => {
  it('GIVEN a stored target THEN its key fits a modal custom_id and finds it for the same user', () => {
    const stash = new RemixStash();
    const key = stash.put(target());
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(`remix:${key}`.length).toBeLessThanOrEqual(100);
    expect(stash.get(key, 'u1')?.imageUrl).toContain('cat.png');
  });

  it('GIVEN another user submits the key THEN nothing is found', () => {
    const stash = new RemixStash();
    const key = stash.put(target('u1'));
    expect(stash.get(key, 'u2')).toBeNull();
    expect(stash.get(key, 'u1')).not.toBeNull();
  });

  it('GIVEN 15 minutes have passed THEN the key has expired and is forgotten', () => {
    const time = clock();
    const stash = new RemixStash({ now: time.now });
    const key = stash.put(target());
    time.advance(15 * 60_000 - 1);
    expect(stash.get(key, 'u1')).not.toBeNull();
    time.advance(1);
    expect(stash.get(key, 'u1')).toBeNull();
    expect(stash.size).toBe(0);
  });

  it('GIVEN expired entries THEN the next put prunes them', () => {
    const time = clock();
    const stash = new RemixStash({ now: time.now, ttlMs: 1000 });
    stash.put(target());
    stash.put(target());
    time.advance(1000);
    const fresh = stash.put(target());
    expect(stash.size).toBe(1);
    expect(stash.get(fresh, 'u1')).not.toBeNull();
  });

  it('GIVEN the cap is reached THEN the oldest entry makes room', () => {
    const stash = new RemixStash({ maxEntries: 3 });
    const keys = [stash.put(target('a')), stash.put(target('b')), stash.put(target('c')), stash.put(target('d'))];
    expect(stash.size).toBe(3);
    expect(stash.get(keys[0]!, 'a')).toBeNull();
    expect(stash.get(keys[3]!, 'd')?.userId).toBe('d');
  });

  it('GIVEN a malformed or deleted key THEN nothing is found', () => {
    const stash = new RemixStash();
    const key = stash.put(target());
    expect(stash.get(`${key}x`, 'u1')).toBeNull();
    expect(stash.get('../../etc', 'u1')).toBeNull();
    stash.delete(key);
    expect(stash.get(key, 'u1')).toBeNull();
  });
});
