import { describe, expect, it } from 'vitest';
import { deriveTemplateName, isPlainTemplateName, TEMPLATE_NAME_MAX } from '../../src/workflows/template-name.ts';

describe('deriveTemplateName', () => {
  it('keeps a plain name as it is', () => {
    expect(deriveTemplateName('txt2img')).toBe('txt2img');
    expect(deriveTemplateName('sdxl_turbo-v2')).toBe('sdxl_turbo-v2');
  });

  it('lower-cases, drops accents and turns every other character into one -', () => {
    expect(deriveTemplateName('My Fox (v2)')).toBe('my-fox-v2');
    expect(deriveTemplateName('Wan2.1 — Text→Video')).toBe('wan2-1-text-video');
    expect(deriveTemplateName('Crème brûlée')).toBe('creme-brulee');
    expect(deriveTemplateName('__SDXL__')).toBe('sdxl');
  });

  it('shortens a long name with a stable suffix from the whole name, so long names sharing a start stay apart', () => {
    const long = `${'flux dev portrait with detailer and upscaler '.repeat(2)}final`.slice(0, 90);
    expect(long).toHaveLength(90);
    const name = deriveTemplateName(long);
    expect(name.length).toBeLessThanOrEqual(TEMPLATE_NAME_MAX);
    expect(isPlainTemplateName(name)).toBe(true);
    expect(name.startsWith('flux-dev-portrait-with-detailer')).toBe(true);
    expect(deriveTemplateName(long)).toBe(name);
    expect(deriveTemplateName(`${long.slice(0, 89)}x`)).not.toBe(name);
  });

  it('gives a name even to a file name with no letters or digits at all', () => {
    const name = deriveTemplateName('★★★');
    expect(isPlainTemplateName(name)).toBe(true);
    expect(name).toMatch(/^template-[0-9a-f]{6}$/);
    expect(deriveTemplateName('☆☆☆')).not.toBe(name);
  });
});
