import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/commands/size-option.ts';

describe('parseSize: an anchored grammar', () => {
  it('reads WIDTHxHEIGHT in its spellings, preset names and autocomplete labels', () => {
    expect(parseSize('1024x768')).toEqual({ width: 1024, height: 768 });
    expect(parseSize(' 1024 × 768 ')).toEqual({ width: 1024, height: 768 });
    expect(parseSize('512*512')).toEqual({ width: 512, height: 512 });
    expect(parseSize('Portrait')).toEqual({ width: 832, height: 1216 });
    expect(parseSize('square (1024x1024)')).toEqual({ width: 1024, height: 1024 });
  });

  it('refuses anything after or before the size', () => {
    for (const text of ['256x256; DROP TABLE', '256x256x256', 'x256x256', '512x512 please', 'square; DROP TABLE', 'square (512x512)']) {
      expect(() => parseSize(text), text).toThrow(/size must look like 1024x768/);
    }
    expect(() => parseSize('1000x1001')).toThrow(/multiples of 8/);
  });
});
