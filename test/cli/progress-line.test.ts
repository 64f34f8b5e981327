import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/cli/progress-line.ts';

/** A stream that records what was written; `isTTY` as a terminal's stderr has it. */
function stream(isTTY: boolean): { out: Writable & { isTTY?: boolean }; text: () => string } {
  let written = '';
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { out, text: () => written };
}

/** What a terminal shows: each \r\x1b[2K wipes the current line. */
function screen(raw: string): string[] {
  const rows: string[] = [''];
  // eslint-disable-next-line no-control-regex -- the terminal's escape sequence is what is matched
  for (const part of raw.split(/(\r\x1b\[2K|\n)/)) {
    if (part === '\r\x1b[2K') rows[rows.length - 1] = '';
    else if (part === '\n') rows.push('');
    else rows[rows.length - 1] = `${rows[rows.length - 1] ?? ''}${part}`;
  }
  return rows;
}

describe('ProgressLine on a terminal', () => {
  it('GIVEN a drawn line THEN a note or warning goes above it, said once, and the line is drawn again below', () => {
    let now = 0;
    const { out, text } = stream(true);
    const line = new ProgressLine(out, { now: () => now });
    line.apply({ type: 'started' });
    line.apply({ type: 'progress', node: '3', value: 2, max: 10 });
    line.noteOnce('warning: comfy socket disconnected');
    line.noteOnce('warning: comfy socket disconnected');
    line.apply({ type: 'progress', node: '3', value: 3, max: 10 });
    expect(screen(text())).toEqual(['warning: comfy socket disconnected', expect.stringMatching(/step 3\/10 · \d+%/)]);
    now = 2_000;
    line.waiting('127.0.0.1:8188', 0);
    expect(screen(text()).at(-1)).toBe('waiting for ComfyUI at 127.0.0.1:8188 (down 2 s)');
    now = 14_000;
    line.tick();
    expect(screen(text()).at(-1)).toBe('waiting for ComfyUI at 127.0.0.1:8188 (down 14 s)');
    line.resumed();
    line.finish();
    expect(screen(text())).toEqual(['warning: comfy socket disconnected', 'done in 14 s', '']);
  });
});

describe('ProgressLine off a terminal', () => {
  it('GIVEN updates faster than the interval THEN only some are printed, but the last state before the end always is', () => {
    let now = 0;
    const { out, text } = stream(false);
    const line = new ProgressLine(out, { now: () => now, intervalMs: 1000 });
    line.apply({ type: 'started' });
    for (let step = 1; step <= 10; step += 1) {
      now += 50;
      line.apply({ type: 'progress', node: '3', value: step, max: 10 });
    }
    line.finish();
    const printed = text().split('\n').filter((row) => row !== '');
    expect(printed.at(-2)).toMatch(/step 10\/10/);
    expect(printed.at(-1)).toBe('done in 0.5 s');
    expect(text()).not.toContain('\r');
    expect(printed.length).toBeLessThan(6);
  });

  it('GIVEN a long outage THEN the waiting line is printed every 10 s, not every second', () => {
    let now = 0;
    const { out, text } = stream(false);
    const line = new ProgressLine(out, { now: () => now });
    line.waiting('gpu:8188', 0);
    for (now = 0; now <= 30_000; now += 1000) line.tick();
    const waits = text().split('\n').filter((row) => row.startsWith('waiting for ComfyUI at gpu:8188'));
    expect(waits).toEqual(['waiting for ComfyUI at gpu:8188 (down 0 s)', 'waiting for ComfyUI at gpu:8188 (down 10 s)', 'waiting for ComfyUI at gpu:8188 (down 20 s)', 'waiting for ComfyUI at gpu:8188 (down 30 s)']);
  });
});
