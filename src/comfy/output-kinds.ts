import {
  MAX_OUTPUT_TEXT_CHARS,
  MAX_OUTPUT_TEXTS,
  type NodeOutput,
  type OutputFile,
  type OutputFileKind,
  type OutputText,
} from '../jobs/run-events.ts';

/**
 * A run's outputs read by kind, once, at the ComfyUI edge. What each node returns
 * (ComfyUI's own nodes and the popular VideoHelperSuite, see docs/comfy-protocol.md,
 * "Output kinds"):
 * - `images`: SaveImage / PreviewImage stills; beside `animated: [true]` the files are
 *   animated images (SaveAnimatedWEBP, SaveAnimatedPNG) or videos (SaveWEBM and
 *   SaveVideo, which report their webm/mp4 under `images` too): the extension decides;
 * - `gifs`: VHS_VideoCombine, each with `format` (`image/gif`, `video/h264-mp4`…) and `frame_rate`;
 * - `audio`: SaveAudio (FLAC), SaveAudioMP3, SaveAudioOpus, PreviewAudio;
 * - `text`: PreviewAny and captioning nodes, a list of strings.
 * A file whose extension says nothing we can deliver is left out rather than guessed.
 */

type Json = Record<string, unknown>;

interface FileType {
  kind: OutputFileKind;
  mime: string;
}

/** Still images by extension; under `animated: [true]` these become `animated`. */
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' };
const ANIMATED_TYPES: Record<string, string> = { gif: 'image/gif', apng: 'image/apng', ...IMAGE_TYPES };
const VIDEO_TYPES: Record<string, string> = {
  webm: 'video/webm',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
};
const AUDIO_TYPES: Record<string, string> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot <= 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

/** What a file under `images` is: a still, or with `animated` an animation or a video. */
function imagesEntryType(extension: string, animated: boolean): FileType | null {
  const video = VIDEO_TYPES[extension];
  if (video !== undefined) return { kind: 'video', mime: video };
  if (extension === 'gif' || extension === 'apng' || animated) {
    const mime = ANIMATED_TYPES[extension];
    return mime === undefined ? null : { kind: 'animated', mime };
  }
  const still = IMAGE_TYPES[extension];
  return still === undefined ? null : { kind: 'image', mime: still };
}

/** VHS_VideoCombine's `format` is `image/gif`, `image/webp` or `video/<codec>-<container>`; the file name decides the container. */
function gifsEntryType(extension: string): FileType | null {
  const video = VIDEO_TYPES[extension];
  if (video !== undefined) return { kind: 'video', mime: video };
  const animated = ANIMATED_TYPES[extension];
  return animated === undefined ? null : { kind: 'animated', mime: animated };
}

function audioEntryType(extension: string): FileType | null {
  const mime = AUDIO_TYPES[extension];
  return mime === undefined ? null : { kind: 'audio', mime };
}

function fileEntries(list: unknown, typeOf: (extension: string) => FileType | null): OutputFile[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).flatMap((entry): OutputFile[] => {
    const filename = str(entry['filename']);
    if (filename === null || filename === '') return [];
    const extension = extensionOf(filename);
    const type = typeOf(extension);
    if (type === null) return [];
    const file: OutputFile = { filename, subfolder: str(entry['subfolder']) ?? '', type: str(entry['type']) ?? 'output', ...type, extension };
    const frameRate = entry['frame_rate'];
    if (typeof frameRate === 'number' && Number.isFinite(frameRate) && frameRate > 0) file.frameRate = frameRate;
    const format = str(entry['format']);
    if (format !== null && format.length <= 64) file.format = format;
    return [file];
  });
}

/** `animated` is a one-element list (`(True,)` in Python); any true entry counts. */
function isAnimated(value: unknown): boolean {
  return value === true || (Array.isArray(value) && value.some((entry) => entry === true));
}

/** The files one node's UI output names, of every kind, in the order the node listed them. */
function filesOfNode(output: NodeOutput): OutputFile[] {
  const raw = output as Json;
  const animated = isAnimated(raw['animated']);
  return [
    ...fileEntries(raw['images'], (extension) => imagesEntryType(extension, animated)),
    ...fileEntries(raw['gifs'], gifsEntryType),
    // Some custom nodes say `videos`; what they hold is read like VHS's list.
    ...fileEntries(raw['videos'], gifsEntryType),
    ...fileEntries(raw['audio'], audioEntryType),
  ];
}

function textsOfNode(node: string, output: NodeOutput): OutputText[] {
  const value = (output as Json)['text'];
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return list.flatMap((text): OutputText[] => {
    if (typeof text !== 'string' || text.trim() === '') return [];
    return [{ node, text: text.length > MAX_OUTPUT_TEXT_CHARS ? text.slice(0, MAX_OUTPUT_TEXT_CHARS) : text }];
  });
}

/** Every file and text of a run's node outputs, given in node order. */
export function outputsByKind(outputs: ReadonlyArray<[string, NodeOutput]>): { files: OutputFile[]; texts: OutputText[] } {
  const files: OutputFile[] = [];
  const texts: OutputText[] = [];
  for (const [node, output] of outputs) {
    files.push(...filesOfNode(output));
    texts.push(...textsOfNode(node, output));
  }
  return { files, texts: texts.slice(0, MAX_OUTPUT_TEXTS) };
}
