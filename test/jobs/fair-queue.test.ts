import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/jobs/fair-queue.ts';

const job = (id: string, userId: string) => ({ id, userId });

function drain(queue: FairQueue<{ id: string; userId: string }>): string[] {
  const taken: string[] = [];
  for (let item = queue.take(); item; item = queue.take()) taken.push(item.id);
  return taken;
}

describe('FairQueue', () => {
  it('serves users in turn so one user with many jobs does not starve another', () => {
    const queue = new FairQueue();
    for (let i = 1; i <= 5; i += 1) queue.push(job(`a${i}`, 'alice'));
    queue.push(job('b1', 'bob'));
    queue.push(job('c1', 'carol'));
    queue.push(job('b2', 'bob'));
    expect(queue.ordered().map((item) => item.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4', 'a5']);
    expect(drain(queue)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4', 'a5']);
    expect(queue.size).toBe(0);
  });

  it('reports positions that match the order jobs are taken', () => {
    const queue = new FairQueue();
    queue.push(job('a1', 'alice'));
    queue.push(job('a2', 'alice'));
    queue.push(job('b1', 'bob'));
    expect([...queue.positions()]).toEqual([
      ['a1', 1],
      ['b1', 2],
      ['a2', 3],
    ]);
    queue.take();
    expect(queue.positions().get('b1')).toBe(1);
    expect(queue.positions().get('a2')).toBe(2);
  });

  it('a newcomer goes before a user who was just served, even one who queued earlier', () => {
    const queue = new FairQueue();
    queue.push(job('a1', 'alice'));
    queue.push(job('a2', 'alice'));
    queue.push(job('a3', 'alice'));
    expect(queue.take()?.id).toBe('a1');
    queue.push(job('b1', 'bob'));
    expect(queue.positions().get('b1')).toBe(1);
    expect(queue.take()?.id).toBe('b1');
    expect(queue.take()?.id).toBe('a2');
  });

  it('remembers turns across a user\'s line emptying and refilling', () => {
    const queue = new FairQueue();
    queue.push(job('a1', 'alice'));
    expect(queue.take()?.id).toBe('a1');
    queue.push(job('a2', 'alice'));
    queue.push(job('b1', 'bob'));
    expect(drain(queue)).toEqual(['b1', 'a2']);
  });

  it('removes a cancelled job and forgets a user with nothing left', () => {
    const queue = new FairQueue();
    queue.push(job('a1', 'alice'));
    queue.push(job('b1', 'bob'));
    expect(queue.remove('a1')?.id).toBe('a1');
    expect(queue.remove('nope')).toBeUndefined();
    expect(queue.countFor('alice')).toBe(0);
    expect(queue.has('b1')).toBe(true);
    expect(drain(queue)).toEqual(['b1']);
  });

  it('take(accept) skips jobs a server cannot run without losing their turn', () => {
    const queue = new FairQueue<{ id: string; userId: string; model: string }>();
    queue.push({ id: 'a1', userId: 'alice', model: 'flux' });
    queue.push({ id: 'b1', userId: 'bob', model: 'sdxl' });
    expect(queue.take((item) => item.model === 'sdxl')?.id).toBe('b1');
    expect(queue.take()?.id).toBe('a1');
  });

  it('pushFront puts a returned job first in line', () => {
    const queue = new FairQueue();
    queue.push(job('a1', 'alice'));
    queue.push(job('b1', 'bob'));
    queue.pushFront(job('b0', 'bob'));
    expect(drain(queue)).toEqual(['b0', 'a1', 'b1']);
  });

  it('positionOf, has and remove agree with the full order through pushes, takes, returns and cancels', () => {
    const queue = new FairQueue<{ id: string; userId: string }>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let next = 0;
    for (let step = 0; step < 400; step += 1) {
      const roll = random(10);
      const waiting = queue.ordered();
      if (roll < 5 || waiting.length === 0) queue.push(job(`j${next++}`, `u${random(6)}`));
      else if (roll < 7) queue.take((item) => item.userId !== `u${random(6)}`);
      else if (roll < 8) queue.pushFront(job(`j${next++}`, `u${random(6)}`));
      else queue.remove(waiting[random(waiting.length)]!.id);
      const order = queue.ordered();
      expect(order).toHaveLength(queue.size);
      order.forEach((item, index) => {
        expect(queue.has(item.id)).toBe(true);
        expect(queue.positionOf(item.id)).toBe(index + 1);
      });
    }
    expect(queue.positionOf('nope')).toBeUndefined();
    expect(queue.has(`j${next}`)).toBe(false);
  });
});
