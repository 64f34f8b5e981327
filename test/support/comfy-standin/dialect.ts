import { MAX_UPLOAD_BYTES } from './http-util.ts';

/**
 * Which ComfyUI the stand-in plays: the captured 0.3.64 (test/fixtures/comfy-protocol),
 * or a newer server (up to 0.38) rebuilt from ComfyUI's current source: the /api/jobs
 * routes, /node_replacements and its rewrite before validation, `missing_node_type`,
 * node `activity` in progress_state, asset ids on outputs, the wider feature flags and
 * the 403 for `Sec-Fetch-Site: cross-site`. Everything else is the same in both.
 */

export type StandinVersion = '0.3.64' | 'newer';

export const STANDIN_VERSIONS: readonly StandinVersion[] = ['0.3.64', 'newer'];

/** One entry of `GET /node_replacements` (NodeReplace.as_dict): an old class and how it maps onto the new one. */
export interface NodeReplacement {
  new_node_id: string;
  old_node_id: string;
  old_widget_ids: string[] | null;
  input_mapping: Array<{ new_id: string; old_id: string } | { new_id: string; set_value: unknown }> | null;
  output_mapping: Array<{ new_idx: number; old_idx: number }> | null;
}

/**
 * What stock ComfyUI registers for a node removed from /object_info: the old
 * ResizeImagesByLongerEdge runs as ImageScaleToMaxDimension, its inputs renamed and
 * the new `upscale_method` set.
 */
const STOCK_REPLACEMENTS: Record<string, NodeReplacement[]> = {
  ResizeImagesByLongerEdge: [
    {
      new_node_id: 'ImageScaleToMaxDimension',
      old_node_id: 'ResizeImagesByLongerEdge',
      old_widget_ids: ['longer_edge'],
      input_mapping: [
        { new_id: 'image', old_id: 'images' },
        { new_id: 'largest_size', old_id: 'longer_edge' },
        { new_id: 'upscale_method', set_value: 'lanczos' },
      ],
      output_mapping: null,
    },
  ],
};

export interface DialectOptions {
  version: StandinVersion;
  /** `--max-upload-size` in bytes: the request body limit, and `max_upload_size` in the flags. */
  maxUploadBytes: number;
  /** Newer servers: `--disable-assets` off (the default) gives outputs asset ids and `assets: true`. */
  assets: boolean;
}

export class Dialect {
  readonly version: StandinVersion;
  readonly maxUploadBytes: number;
  readonly assets: boolean;
  /** Asset ids by `type/subfolder/filename`: a file keeps its asset across runs. */
  readonly assetIds = new Map<string, string>();

  constructor(options: Partial<DialectOptions> = {}) {
    this.version = options.version ?? '0.3.64';
    this.maxUploadBytes = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
    this.assets = this.newer && (options.assets ?? true);
  }

  get newer(): boolean {
    return this.version === 'newer';
  }

  /** The server's feature flags, as the socket's `feature_flags` answer and GET /features give them. */
  features(): Record<string, unknown> {
    if (!this.newer) return { supports_preview_metadata: true, max_upload_size: this.maxUploadBytes };
    return {
      supports_preview_metadata: true,
      supports_model_type_tags: true,
      max_upload_size: this.maxUploadBytes,
      extension: { manager: { supports_v4: true } },
      node_replacements: true,
      assets: this.assets,
    };
  }

  replacements(): Record<string, NodeReplacement[]> {
    return this.newer ? STOCK_REPLACEMENTS : {};
  }
}
