import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { PreviewWatch, PREVIEWS_OFF_NOTICE } from '../../src/app/preview-watch.ts';
import { createLogger } from '../../src/log.ts';

function watch(enabled: boolean): { watch: PreviewWatch; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
  return { watch: new PreviewWatch(createLogger({ level: 'info', destination }), enabled), lines };
}

describe('PreviewWatch', () => {
  it('flags a server whose sampler ran without previews, says so once, and clears it when a preview comes', () => {
    const { watch: w, lines } = watch(true);
    w.observe('gpu-1', 0, 0); // no sampler steps (an upscale): no evidence
    expect(w.previewsOff('gpu-1')).toBe(false);
    w.observe('gpu-1', 4, 0);
    w.observe('gpu-1', 4, 0);
    expect(w.previewsOff('gpu-1')).toBe(true);
    expect(lines.filter((line) => line.includes(PREVIEWS_OFF_NOTICE))).toHaveLength(1);
    w.observe('gpu-1', 4, 4);
    expect(w.previewsOff('gpu-1')).toBe(false);
    expect(w.previewsOff('gpu-2')).toBe(false);
  });

  it('with COMFY_PREVIEW_METHOD=none, no previews is what was asked for', () => {
    const { watch: w, lines } = watch(false);
    w.observe('gpu-1', 4, 0);
    expect(w.previewsOff('gpu-1')).toBe(false);
    expect(lines).toHaveLength(0);
  });
});
