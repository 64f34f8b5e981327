/**
 * Small templates whose graph ends in an output node of each kind, for tests through
 * the stand-ins: the same files are dropped into a workflows folder for the CLI and
 * for the bot. Each takes a `prompt` (bound to a PreviewAny text where there is one),
 * so `/imagine` can run them.
 */

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

const frames = { class_type: 'EmptyImage', inputs: { width: 48, height: 32, batch_size: 4, color: 0x3366cc } };

/** A prompt option bound to a string primitive that nothing else reads (it only has to be there). */
const promptNode = { class_type: 'PrimitiveStringMultiline', inputs: { value: '' } };

function template(description: string, graph: Graph): string {
  return JSON.stringify({
    description,
    kind: 'other',
    options: { prompt: { type: 'text', required: true, targets: ['prompt.inputs.value'] } },
    graph: { prompt: promptNode, ...graph },
  });
}

export const MEDIA_TEMPLATES: Record<string, string> = {
  'anim-webp': template('Animated WebP', {
    frames,
    save: { class_type: 'SaveAnimatedWEBP', inputs: { images: ['frames', 0], filename_prefix: 'anim', fps: 8, lossless: false, quality: 80, method: 'default' } },
  }),
  'video-webm': template('WebM video', {
    frames,
    save: { class_type: 'SaveWEBM', inputs: { images: ['frames', 0], filename_prefix: 'clip', codec: 'vp9', fps: 8, crf: 32 } },
  }),
  'video-vhs': template('VHS mp4', {
    frames,
    save: {
      class_type: 'VHS_VideoCombine',
      inputs: { images: ['frames', 0], frame_rate: 8, loop_count: 0, filename_prefix: 'vhs', format: 'video/h264-mp4', pingpong: false, save_output: true },
    },
  }),
  'audio-flac': template('FLAC sound', {
    silence: { class_type: 'EmptyAudio', inputs: { duration: 0.5, sample_rate: 16000, channels: 1 } },
    save: { class_type: 'SaveAudio', inputs: { audio: ['silence', 0], filename_prefix: 'audio/sound' } },
  }),
  caption: template('A text output', {
    show: { class_type: 'PreviewAny', inputs: { source: ['prompt', 0] } },
  }),
};
