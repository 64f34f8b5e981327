import { describe, expect, it } from 'vitest';
import { formatProgressLine, RunProgress, type ProgressSnapshot } from '../../src/jobs/progress.ts';
import type { RunEvent } from '../../src/jobs/run-events.ts';

/** A run driven by a hand-held clock; numbers in the script advance it by that many ms. */
function harness() {
  let t = 1_000_000;
  const progress = new RunProgress({ now: () => t });
  const percents: number[] = [];
  const feed = (...script: Array<RunEvent | number>): ProgressSnapshot => {
    for (const step of script) {
      if (typeof step === 'number') t += step;
      else progress.apply(step);
      percents.push(progress.snapshot().percent);
    }
    return progress.snapshot();
  };
  return { progress, feed, percents, advance: (ms: number) => (t += ms) };
}

const node = (index: number, total: number, classType: string | null = null): RunEvent => ({
  type: 'node',
  node: String(index),
  classType,
  index,
  total,
});
const step = (node: number, value: number, max: number): RunEvent => ({ type: 'progress', node: String(node), value, max });
const steps = (nodeId: number, max: number, everyMs = 100): Array<RunEvent | number> =>
  Array.from({ length: max }, (_, i) => [everyMs, step(nodeId, i + 1, max)]).flat();

function expectMonotonic(percents: number[]): void {
  for (let i = 1; i < percents.length; i += 1) expect(percents[i]!).toBeGreaterThanOrEqual(percents[i - 1]!);
}

describe('RunProgress phases', () => {
  it('GIVEN a queued prompt THEN it reports the position and no elapsed time', () => {
    const { feed } = harness();
    const queued = feed({ type: 'queued', ahead: 2 });
    expect(queued).toMatchObject({ phase: 'queued', ahead: 2, percent: 0, elapsedMs: null, node: null, etaMs: null });
    const later = feed({ type: 'queued', ahead: 1 });
    expect(later.ahead).toBe(1);
    const started = feed({ type: 'started' }, 500);
    expect(started).toMatchObject({ phase: 'running', ahead: null, elapsedMs: 500 });
  });

  it('GIVEN a finished run THEN it shows 100 %, stops the clock and ignores stray events', () => {
    const { feed, progress, advance } = harness();
    feed({ type: 'started' }, node(1, 2), ...steps(1, 4), node(2, 2), 300);
    progress.finish();
    advance(5000);
    const done = feed(step(1, 1, 4), node(2, 2));
    expect(done).toMatchObject({ phase: 'done', percent: 100, fraction: 1, etaMs: 0, elapsedMs: 700, node: null, step: null });
  });
});

describe('RunProgress percent', () => {
  it('GIVEN a 7-node graph with one sampler THEN the sampler carries most of the bar', () => {
    const { feed, percents, progress } = harness();
    const beforeSampler = feed({ type: 'started' }, node(1, 7), node(2, 7), node(3, 7), node(4, 7), node(5, 7, 'KSampler'));
    expect(beforeSampler.percent).toBe(13); // 4 small nodes of 30 units
    const halfway = feed(...steps(5, 20).slice(0, 20));
    expect(halfway.step).toEqual({ value: 10, max: 20 });
    expect(halfway.node).toMatchObject({ index: 5, total: 7, classType: 'KSampler' });
    expect(halfway.percent).toBe(53);
    const decoding = feed(...steps(5, 20).slice(20), node(6, 7, 'VAEDecode'));
    expect(decoding.percent).toBe(93);
    expect(decoding.step).toBeNull();
    expect(feed(node(7, 7, 'SaveImage')).percent).toBe(96);
    progress.finish();
    expect(progress.snapshot().percent).toBe(100);
    expectMonotonic(percents);
  });

  it('GIVEN cached nodes THEN only the nodes that run count', () => {
    const { feed, percents } = harness();
    const start = feed({ type: 'started' }, { type: 'cached', nodes: ['1', '2', '3', '4'] }, node(1, 3, 'KSampler'));
    expect(start.cachedNodes).toBe(4);
    expect(start.node).toMatchObject({ index: 1, total: 3 });
    const halfway = feed(...steps(1, 10).slice(0, 10));
    expect(halfway.percent).toBe(40); // sampler 8 of 10 units, half done
    expect(feed(...steps(1, 10).slice(10), node(2, 3)).percent).toBe(80);
    expect(feed(node(3, 3)).percent).toBe(90);
    expectMonotonic(percents);
  });

  it('GIVEN a second sampler (refiner) THEN the percent never moves back and keeps rising', () => {
    const { feed, percents } = harness();
    feed({ type: 'started' }, node(1, 9), node(2, 9), node(3, 9), node(4, 9), node(5, 9, 'KSamplerAdvanced'), ...steps(5, 20));
    const afterBase = feed(node(6, 9, 'KSamplerAdvanced'));
    const refinerStart = feed(step(6, 1, 10));
    expect(refinerStart.percent).toBeGreaterThanOrEqual(afterBase.percent);
    const refinerEnd = feed(...steps(6, 10).slice(2));
    expect(refinerEnd.percent).toBeGreaterThan(refinerStart.percent + 5);
    expect(refinerEnd.percent).toBeLessThan(100);
    const saving = feed(node(7, 9), node(8, 9), node(9, 9));
    expect(saving.percent).toBeLessThanOrEqual(99);
    expectMonotonic(percents);
  });

  it('GIVEN a node whose progress restarts (a second pass) THEN the bar holds and continues', () => {
    const { feed, percents } = harness();
    feed({ type: 'started' }, node(1, 2, 'UltimateSDUpscale'), ...steps(1, 8));
    const held = feed(step(1, 1, 8));
    const end = feed(...steps(1, 8).slice(2));
    expect(end.percent).toBeGreaterThan(held.percent);
    expectMonotonic(percents);
  });

  it('GIVEN progress without node events THEN it follows value/max', () => {
    const { feed } = harness();
    expect(feed({ type: 'started' }, step(9, 5, 10)).percent).toBe(50);
    expect(feed(step(9, 10, 10)).percent).toBe(99);
  });

  it('GIVEN the server lost the prompt THEN the model starts over and says why', () => {
    const { feed } = harness();
    feed({ type: 'started' }, node(1, 1, 'KSampler'), ...steps(1, 10).slice(0, 10));
    const again = feed({ type: 'resubmitted', reason: 'server restarted' });
    expect(again).toMatchObject({ phase: 'queued', percent: 0, resubmitted: 'server restarted', node: null, preview: null });
  });
});

describe('RunProgress ETA and extras', () => {
  it('GIVEN sampler steps THEN the ETA appears after two steps and follows the smoothed rate', () => {
    const { feed, advance, progress } = harness();
    const first = feed({ type: 'started' }, node(1, 2, 'KSampler'), step(1, 1, 10));
    expect(first.etaMs).toBeNull();
    const second = feed(100, step(1, 2, 10));
    expect(second.etaMs).toBe(800);
    advance(50);
    expect(progress.snapshot().etaMs).toBe(750); // counts down between events
    const slower = feed(150, step(1, 3, 10));
    expect(slower.etaMs).toBe(910); // 0.3 × 200 + 0.7 × 100 = 130 ms/step × 7
    expect(feed(node(2, 2)).etaMs).toBeNull();
  });

  it("GIVEN a node's activity THEN it is shown while that node runs, until it stops saying or the next node starts", () => {
    const { feed } = harness();
    feed({ type: 'started' }, node(1, 2));
    expect(feed({ type: 'activity', node: '1', activity: 'loading' }).activity).toBe('loading');
    expect(feed({ type: 'activity', node: '1', activity: null }).activity).toBeNull();
    feed({ type: 'activity', node: '1', activity: 'loading' });
    expect(feed(node(2, 2)).activity).toBeNull();
  });

  it('GIVEN previews and text THEN the latest is kept with a sequence number, in frozen snapshots', () => {
    const { feed } = harness();
    feed({ type: 'started' }, node(1, 1));
    const a = feed({ type: 'preview', mime: 'image/jpeg', image: Buffer.from('a') });
    const b = feed({ type: 'preview', mime: 'image/png', image: Buffer.from('b') }, { type: 'progress_text', node: '1', text: 'step 2/5' });
    expect(a.preview).toMatchObject({ mime: 'image/jpeg', sequence: 1 });
    expect(b.preview?.image.toString()).toBe('b');
    expect(b.preview).toMatchObject({ mime: 'image/png', sequence: 2 });
    expect(b.text).toBe('step 2/5');
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.preview?.sequence).toBe(1);
    expect(feed(node(2, 2)).text).toBeNull();
  });

  it('GIVEN a reconnect THEN it is flagged until the run shows life again', () => {
    const { feed } = harness();
    expect(feed({ type: 'started' }, node(1, 2), { type: 'reconnected' }).resyncing).toBe(true);
    expect(feed(step(1, 1, 5)).resyncing).toBe(false);
  });

  it('formats a one-line summary', () => {
    const { feed } = harness();
    const snap = feed({ type: 'started' }, node(5, 9, 'KSampler'), step(5, 11, 30), 100, step(5, 12, 30));
    expect(formatProgressLine(snap)).toMatch(/^node 5\/9 · step 12\/30 · \d+% · ~2 s left$/);
  });
});
