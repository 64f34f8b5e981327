import { describe, expect, it } from 'vitest';
import { describeOutpaint, outpaintActionOf, padOptions, planOutpaint } from '../../src/workflows/outpaint.ts';

/** Zoom Out, Pan and Make Square as exact numbers: every pad a multiple of 8, the frame within the largest side. */

const zoom = (factor: number) => ({ kind: 'zoom', factor }) as const;

describe('outpaint pads', () => {
  it('Zoom Out 2× on 1024×1024: 512 on every side, the image is half of a 2048×2048 frame', () => {
    expect(planOutpaint({ width: 1024, height: 1024 }, zoom(2), 2048)).toEqual({
      image: { width: 1024, height: 1024 },
      pads: { left: 512, top: 512, right: 512, bottom: 512 },
      frame: { width: 2048, height: 2048 },
      scaled: false,
    });
  });

  it('Zoom Out 1.5× on 1024×1024 and on 832×1216: the image is 1/1.5 of the frame', () => {
    expect(planOutpaint({ width: 1024, height: 1024 }, zoom(1.5), 2048).pads).toEqual({ left: 256, top: 256, right: 256, bottom: 256 });
    const portrait = planOutpaint({ width: 832, height: 1216 }, zoom(1.5), 2048);
    expect(portrait.pads).toEqual({ left: 208, top: 304, right: 208, bottom: 304 });
    expect(portrait.frame).toEqual({ width: 1248, height: 1824 });
  });

  it('Pan: one side grows by half the image in that direction', () => {
    expect(planOutpaint({ width: 1024, height: 1024 }, { kind: 'pan', direction: 'left' }, 2048).pads).toEqual({ left: 512, top: 0, right: 0, bottom: 0 });
    expect(planOutpaint({ width: 1024, height: 768 }, { kind: 'pan', direction: 'right' }, 2048).frame).toEqual({ width: 1536, height: 768 });
    expect(planOutpaint({ width: 832, height: 1216 }, { kind: 'pan', direction: 'up' }, 2048).pads).toEqual({ left: 0, top: 608, right: 0, bottom: 0 });
    expect(planOutpaint({ width: 832, height: 1216 }, { kind: 'pan', direction: 'down' }, 2048).frame).toEqual({ width: 832, height: 1824 });
  });

  it('Make Square: the short sides grow to the long side, split in multiples of 8', () => {
    expect(planOutpaint({ width: 832, height: 1216 }, { kind: 'square' }, 2048)).toMatchObject({ pads: { left: 192, top: 0, right: 192, bottom: 0 }, frame: { width: 1216, height: 1216 } });
    expect(planOutpaint({ width: 1000, height: 1216 }, { kind: 'square' }, 2048).pads).toEqual({ left: 104, top: 0, right: 112, bottom: 0 });
    expect(planOutpaint({ width: 1216, height: 832 }, { kind: 'square' }, 2048).pads).toEqual({ left: 0, top: 192, right: 0, bottom: 192 });
    expect(planOutpaint({ width: 512, height: 512 }, { kind: 'square' }, 2048).pads).toEqual({ left: 0, top: 0, right: 0, bottom: 0 });
  });

  it('capped: a frame past the largest side shrinks the image first, so the zoom stays what was asked', () => {
    expect(planOutpaint({ width: 1024, height: 1024 }, zoom(2), 1536)).toEqual({
      image: { width: 768, height: 768 },
      pads: { left: 384, top: 384, right: 384, bottom: 384 },
      frame: { width: 1536, height: 1536 },
      scaled: true,
    });
    expect(planOutpaint({ width: 1216, height: 832 }, zoom(2), 2048)).toEqual({
      image: { width: 1024, height: 696 },
      pads: { left: 512, top: 344, right: 512, bottom: 352 },
      frame: { width: 2048, height: 1392 },
      scaled: true,
    });
    const pan = planOutpaint({ width: 2048, height: 2048 }, { kind: 'pan', direction: 'right' }, 2048);
    expect(pan.frame).toEqual({ width: 2040, height: 1360 });
    for (const plan of [pan, planOutpaint({ width: 1000, height: 750 }, zoom(3.3), 2048)]) {
      expect(Math.max(plan.frame.width, plan.frame.height)).toBeLessThanOrEqual(2048);
      expect(Object.values(plan.pads).every((pad) => pad % 8 === 0)).toBe(true);
    }
  });

  it('the action comes from exactly one of zoom, pan, square; anything else is refused with the reason', () => {
    expect(outpaintActionOf({ zoom: '2', prompt: 'x' }, 'outpaint')).toEqual({ action: zoom(2), rest: { prompt: 'x' } });
    expect(outpaintActionOf({ pan: 'Left' }, 'outpaint')?.action).toEqual({ kind: 'pan', direction: 'left' });
    expect(outpaintActionOf({ square: true }, 'outpaint')?.action).toEqual({ kind: 'square' });
    expect(outpaintActionOf({ prompt: 'x' }, 'outpaint')).toBeNull();
    expect(() => outpaintActionOf({ zoom: 1 }, 'outpaint')).toThrow('zoom must be a number above 1 and at most 4, got 1');
    expect(() => outpaintActionOf({ zoom: 'lots' }, 'outpaint')).toThrow('zoom must be a number above 1 and at most 4, got lots');
    expect(() => outpaintActionOf({ pan: 'north' }, 'outpaint')).toThrow('pan must be one of left, right, up, down, got north');
    expect(() => outpaintActionOf({ zoom: 2, pan: 'up' }, 'outpaint')).toThrow('give one of zoom, pan or square, not zoom and pan');
  });

  it('names and option values', () => {
    expect(padOptions({ left: 8, top: 16, right: 24, bottom: 32 })).toEqual({ pad_left: 8, pad_top: 16, pad_right: 24, pad_bottom: 32 });
    expect([zoom(1.5), zoom(2), { kind: 'pan', direction: 'down' } as const, { kind: 'square' } as const].map(describeOutpaint)).toEqual(['Zoom Out 1.5×', 'Zoom Out 2×', 'Pan ⬇️', 'Make Square']);
  });
});
