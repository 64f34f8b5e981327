import { describe, expect, it } from 'vitest';
import { formatSize } from '../../src/images/format-size.ts';
import { detectImageFormat, looksLikeSvg, withFormatExtension } from '../../src/images/image-format.ts';

function isoBmff(major: string, compatible: string[]): Buffer {
  const brands = Buffer.from(major + '\0\0\0\0' + compatible.join(''), 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(8 + brands.length);
  return Buffer.concat([size, Buffer.from('ftyp', 'latin1'), brands, Buffer.alloc(16)]);
}

describe('detectImageFormat', () => {
  it('recognises each signature', () => {
    expect(detectImageFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('png');
    expect(detectImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(detectImageFormat(Buffer.from('GIF89a....', 'latin1'))).toBe('gif');
    expect(detectImageFormat(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('webp');
    expect(detectImageFormat(Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe('tiff');
    expect(detectImageFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(detectImageFormat(isoBmff('avif', ['mif1']))).toBe('avif');
    expect(detectImageFormat(isoBmff('mif1', ['miaf', 'avif']))).toBe('avif');
    expect(detectImageFormat(isoBmff('heic', ['mif1']))).toBe('heif');
  });

  it('knows nothing else', () => {
    expect(detectImageFormat(Buffer.from('<!doctype html><html>', 'latin1'))).toBeUndefined();
    expect(detectImageFormat(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'))).toBeUndefined();
    expect(detectImageFormat(isoBmff('isom', ['mp41']))).toBeUndefined(); // an MP4 video
    expect(detectImageFormat(Buffer.from([0x89, 0x50]))).toBeUndefined();
    expect(detectImageFormat(Buffer.alloc(0))).toBeUndefined();
  });

  it('spots SVG markup', () => {
    expect(looksLikeSvg(Buffer.from('\uFEFF  <?xml version="1.0"?><svg xmlns="x">'))).toBe(true);
    expect(looksLikeSvg(Buffer.from('<!-- c --><svg>'))).toBe(true);
    expect(looksLikeSvg(Buffer.from('<html><body>svg</body></html>'))).toBe(false);
  });
});

describe('withFormatExtension / formatSize', () => {
  it('replaces or adds the extension', () => {
    expect(withFormatExtension('ComfyUI_00001_.png', 'webp')).toBe('ComfyUI_00001_.webp');
    expect(withFormatExtension('render', 'jpeg')).toBe('render.jpg');
    expect(withFormatExtension('.png', 'png')).toBe('image.png');
  });

  it('shows sizes the way people read them', () => {
    expect(formatSize(50_000_000)).toBe('50 MB');
    expect(formatSize(20_000_000)).toBe('20 MB');
    expect(formatSize(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatSize(52_345_678)).toBe('52.3 MB');
    expect(formatSize(1_500)).toBe('1.5 kB');
  });
});
