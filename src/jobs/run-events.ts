/** A file ComfyUI wrote, as /history and `executed` name it. */
export interface OutputImage {
  filename: string;
  subfolder: string;
  type: string; // 'output' | 'temp' | 'input'
}

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
  /** Every output image in node order, `type: 'output'` and `'temp'` alike. */
  images: OutputImage[];
}

/** The images a run delivers: its saved outputs, or, for a graph that only previews, its temp images. */
export function resultImages(result: RunResult): OutputImage[] {
  const saved = result.images.filter((image) => image.type === 'output');
  return saved.length > 0 ? saved : result.images;
}
