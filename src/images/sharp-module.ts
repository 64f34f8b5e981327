import type sharpModule from 'sharp';

/** sharp's default export: the function that opens an image pipeline. */
export type SharpFactory = typeof sharpModule;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp (libvips, ~20 MB resident) is loaded at the first image work instead of at
 * start-up: a bot that is idle, or queueing text prompts, never needs it (issue 12.2).
 * One import for the process; a failed load is tried again at the next call.
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(
    (module) => module.default,
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
