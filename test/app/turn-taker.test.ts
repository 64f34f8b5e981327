import { describe, expect, it } from 'vitest';
import { TurnTaker } from '../../src/app/turn-taker.ts';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: stands in for an interaction's synchronous work
  }
}

describe('TurnTaker', () => {
  it('runs a burst in arrival order, letting timers run between two pieces', async () => {
    const turns = new TurnTaker((error) => {
      throw error;
    });
    const order: number[] = [];
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 1);
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 40; i += 1) {
        turns.push(() => {
          busy(3);
          order.push(i);
          if (i === 39) resolve();
        });
      }
    });
    // Handled inline, the 40 pieces would hold the loop for 120 ms and the interval would fire about once.
    expect(turns.waiting).toBe(40);
    await done;
    clearInterval(ticker);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(ticks).toBeGreaterThanOrEqual(20);
  });

  it('reports a piece that throws and goes on with the next', async () => {
    const errors: unknown[] = [];
    const turns = new TurnTaker((error) => errors.push(error));
    const ran: string[] = [];
    await new Promise<void>((resolve) => {
      turns.push(() => {
        throw new Error('boom');
      });
      turns.push(() => {
        ran.push('second');
        resolve();
      });
    });
    expect(ran).toEqual(['second']);
    expect(errors).toHaveLength(1);
  });

  it('past its bound runs a piece at once instead of queueing it', () => {
    const turns = new TurnTaker(() => undefined, 2);
    const ran: string[] = [];
    turns.push(() => ran.push('a'));
    turns.push(() => ran.push('b'));
    turns.push(() => ran.push('c'));
    expect(ran).toEqual(['c']);
    expect(turns.waiting).toBe(2);
  });
});
