/** A file ComfyUI wrote, as /history and `executed` name it. */
export interface OutputImage {
  filename: string;
  subfolder: string;
  type: string; // 'output' | 'temp' | 'input'
}

/**
 * What a delivered file is, which decides how it is checked, saved and shown: a still
 * image (PNG/JPEG/WebP), an animated image (animated WebP/PNG, GIF), a video
 * (webm/mp4/…) or a sound. Text outputs are not files: see OutputText.
 */
export const OUTPUT_FILE_KINDS = ['image', 'animated', 'video', 'audio'] as const;
export type OutputFileKind = (typeof OUTPUT_FILE_KINDS)[number];

/** One file a run produced, read by kind once at the ComfyUI edge (src/comfy/output-kinds.ts). */
export interface OutputFile extends OutputImage {
  kind: OutputFileKind;
  /** e.g. `image/png`, `image/webp`, `video/webm`, `video/mp4`, `audio/flac`. */
  mime: string;
  /** Without the dot, lower-case, matching `mime`: what a saved copy is named with. */
  extension: string;
  /** Frames per second, where the node said (VHS_VideoCombine's `frame_rate`). */
  frameRate?: number;
  /** The node's own format name, where it gave one (VHS_VideoCombine: `video/h264-mp4`). */
  format?: string;
}

/** A text a node returned for display (`text` in its UI output: PreviewAny, a captioner). */
export interface OutputText {
  node: string;
  /** As the node sent it, cut to MAX_OUTPUT_TEXT_CHARS; untrusted: escape before showing. */
  text: string;
}

/** Longest text output kept; the rest is cut (a caption is a few hundred characters). */
export const MAX_OUTPUT_TEXT_CHARS = 4000;
/** Most text outputs kept from one run. */
export const MAX_OUTPUT_TEXTS = 8;

/** UI data a node returned (`executed.output`, `/history` outputs). */
export interface NodeOutput {
  images?: OutputImage[];
  [key: string]: unknown;
}

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

/**
 * What happens to one prompt while ComfyUI runs it, in the core's terms. The ComfyUI
 * adapter turns socket frames into these; the progress model, the CLI's progress
 * line and the Discord renderer consume them. Nothing here knows about ws or Discord.
 */
export type RunEvent =
  /** Waiting in ComfyUI's own queue; `ahead` prompts run before it (null: unknown). */
  | { type: 'queued'; ahead: number | null }
  | { type: 'started' }
  /** Nodes whose outputs came from ComfyUI's cache and will not run. */
  | { type: 'cached'; nodes: string[] }
  /** A node began; `index` is 1-based among the nodes that will run, of `total`. */
  | { type: 'node'; node: string; classType: string | null; index: number; total: number }
  /** A sampler (or any node reporting progress) advanced to value/max. */
  | { type: 'progress'; node: string | null; value: number; max: number }
  | { type: 'preview'; mime: ImageMime; image: Buffer }
  | { type: 'progress_text'; node: string; text: string }
  /** What a running node spends its time on, e.g. 'loading' (models); null when it stopped saying. */
  | { type: 'activity'; node: string; activity: string | null }
  | { type: 'output'; node: string; output: NodeOutput }
  /** The socket came back; the run is being resynchronised from /history and /queue. */
  | { type: 'reconnected' }
  /** The server lost the prompt (restart) and it was submitted again, once. */
  | { type: 'resubmitted'; reason: string };

/** What a finished run produced, read from `/history/{prompt_id}`. */
export interface RunResult {
  promptId: string;
  outputs: Record<string, NodeOutput>;
  /** Every output file of every kind in node order, `type: 'output'`, `'temp'` and `'input'` alike. */
  files: OutputFile[];
  /** Text outputs in node order. */
  texts: OutputText[];
}

/** The files a run delivers: its saved outputs, or, for a graph that only previews, its temp files. */
export function resultFiles(result: RunResult): OutputFile[] {
  const saved = result.files.filter((file) => file.type === 'output');
  return saved.length > 0 ? saved : result.files;
}
