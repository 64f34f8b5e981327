import { describe, expect, it } from 'vitest';
import { runResultOf } from '../../src/comfy/history.ts';
import { MAX_OUTPUT_TEXT_CHARS, resultFiles } from '../../src/jobs/run-events.ts';

/** Issue 13.1: outputs read by kind once at the edge, with the shapes ComfyUI's nodes and VHS_VideoCombine report. */

const file = (filename: string, type = 'output', subfolder = '') => ({ filename, subfolder, type });

describe('runResultOf: every output kind', () => {
  it('GIVEN stills, an animated WebP, a SaveWEBM and a SaveVideo THEN each has its kind, mime and extension, in node order', () => {
    const result = runResultOf('p', {
      '10': { images: [file('clip_00001_.webm')], animated: [true] },
      '9': { images: [file('video/ComfyUI_00001_.mp4', 'output', 'video')], animated: [true] },
      '3': { images: [file('still_00001_.png'), file('still_00002_.jpg')] },
      '5': { images: [file('anim_00001_.webp')], animated: [true] },
    });
    expect(result.files.map((f) => [f.filename, f.kind, f.mime, f.extension])).toEqual([
      ['still_00001_.png', 'image', 'image/png', 'png'],
      ['still_00002_.jpg', 'image', 'image/jpeg', 'jpg'],
      ['anim_00001_.webp', 'animated', 'image/webp', 'webp'],
      ['video/ComfyUI_00001_.mp4', 'video', 'video/mp4', 'mp4'],
      ['clip_00001_.webm', 'video', 'video/webm', 'webm'],
    ]);
  });

  it('GIVEN a single-frame SaveAnimatedWEBP (`animated: [false]`) THEN it is a still', () => {
    expect(runResultOf('p', { '1': { images: [file('one.webp')], animated: [false] } }).files[0]?.kind).toBe('image');
  });

  it('GIVEN VHS_VideoCombine under `gifs` THEN mp4 and gif are read with their format and frame rate', () => {
    const result = runResultOf('p', {
      '7': {
        gifs: [
          { ...file('AnimateDiff_00001.mp4'), format: 'video/h264-mp4', frame_rate: 12, workflow: 'x.png', fullpath: '/x' },
          { ...file('AnimateDiff_00002.gif'), format: 'image/gif', frame_rate: 8 },
        ],
      },
    });
    expect(result.files).toEqual([
      { ...file('AnimateDiff_00001.mp4'), kind: 'video', mime: 'video/mp4', extension: 'mp4', frameRate: 12, format: 'video/h264-mp4' },
      { ...file('AnimateDiff_00002.gif'), kind: 'animated', mime: 'image/gif', extension: 'gif', frameRate: 8, format: 'image/gif' },
    ]);
  });

  it('GIVEN SaveAudio, SaveAudioMP3, SaveAudioOpus THEN sounds; PreviewAudio is temp and dropped beside saved files', () => {
    const result = runResultOf('p', {
      '1': { audio: [file('audio/a_00001_.flac')] },
      '2': { audio: [file('audio/a_00001_.mp3')] },
      '3': { audio: [file('audio/a_00001_.opus')] },
      '4': { audio: [file('ComfyUI_temp_x.flac', 'temp')] },
    });
    expect(result.files.map((f) => f.mime)).toEqual(['audio/flac', 'audio/mpeg', 'audio/ogg', 'audio/flac']);
    expect(resultFiles(result).map((f) => f.type)).toEqual(['output', 'output', 'output']);
  });

  it('GIVEN text outputs THEN they are kept by node, blank ones dropped, long ones cut', () => {
    const result = runResultOf('p', { '12': { text: ['a caption', '  '] }, '13': { text: 'x'.repeat(MAX_OUTPUT_TEXT_CHARS + 50) } });
    expect(result.texts.map((t) => [t.node, t.text.length])).toEqual([
      ['12', 9],
      ['13', MAX_OUTPUT_TEXT_CHARS],
    ]);
    expect(result.files).toEqual([]);
  });

  it('GIVEN a file with no extension we deliver, or no file name THEN it is left out, not guessed', () => {
    const result = runResultOf('p', { '1': { images: [file('model.glb')], gifs: [{ subfolder: '' }], animated: [true] }, '2': { audio: [file('noext')] } });
    expect(result.files).toEqual([]);
  });
});
