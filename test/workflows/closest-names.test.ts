import { describe, expect, it } from 'vitest';
import { closestNames } from '../../src/workflows/closest-names.ts';

describe('closestNames', () => {
  const models = ['sd_xl_base_1.0.safetensors', 'juggernaut_xl.safetensors', 'dreamshaper_8.safetensors', 'DreamShaperXL_Turbo.safetensors', 'v1-5-pruned.ckpt'];

  it('puts names containing what was typed first, then the fewest edits, ignoring case', () => {
    expect(closestNames('dreamshaper', models, 2)).toEqual(['dreamshaper_8.safetensors', 'DreamShaperXL_Turbo.safetensors']);
    expect(closestNames('dreamshaper_7.safetensors', models, 1)).toEqual(['dreamshaper_8.safetensors']);
    expect(closestNames('JUGGERNAUT', models, 1)).toEqual(['juggernaut_xl.safetensors']);
  });

  it('keeps the server\'s order between equals and never gives more than asked', () => {
    expect(closestNames('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', ['b', 'a'], 5)).toEqual(['b', 'a']);
    expect(closestNames('x', models, 3)).toHaveLength(3);
    expect(closestNames('x', [], 3)).toEqual([]);
  });
});
