import { afterEach } from 'vitest';
import type { ComfyStandin } from '../support/comfy-standin.ts';
import { startCore as buildCore } from './core-builder.ts';

export { requester } from './core-builder.ts';
export const MODELS = { checkpoints: ['sd_xl_base_1.0.safetensors'] };

const open: { close(): Promise<void> }[] = [];

/** Closes what the tests of a file opened; call once at the top of the file. */
export function closeAfterEach(): (item: { close(): Promise<void> }) => void {
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });
  return (item) => open.push(item);
}

/** The bot's core on these stand-ins, closed after the test. */
export function startCore(standins: ComfyStandin[], options: Parameters<typeof buildCore>[2] = {}) {
  return buildCore(
    standins.map((standin) => standin.url),
    (item) => open.push(item),
    options,
  );
}
