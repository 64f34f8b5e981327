/**
 * Fault hooks for GET /view (not ComfyUI behaviour): the next N answers hang
 * forever, or carry the first half of the file with an honest Content-Length, or the
 * whole length with bytes in the middle overwritten. Nothing here runs unless a test
 * asks for it.
 */

export type ViewFault = 'hang' | 'truncate' | 'corrupt';

export class ViewFaults {
  readonly #pending: ViewFault[] = [];

  add(fault: ViewFault, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    for (let index = 0; index < times; index += 1) this.#pending.push(fault);
  }

  take(): ViewFault | null {
    return this.#pending.shift() ?? null;
  }

  clear(): void {
    this.#pending.length = 0;
  }
}

/** The bytes a faulty /view sends instead of `data` ('hang' sends nothing and never gets here). */
export function damaged(fault: Exclude<ViewFault, 'hang'>, data: Buffer): Buffer {
  if (fault === 'truncate') return Buffer.from(data.subarray(0, Math.floor(data.length / 2)));
  const copy = Buffer.from(data);
  // Past the PNG signature and IHDR, inside the image data: the CRC no longer matches.
  const from = Math.min(copy.length - 1, Math.max(40, Math.floor(copy.length / 3)));
  for (let index = from; index < Math.min(copy.length, from + 64); index += 1) copy[index] = (copy[index]! ^ 0xa5) & 0xff;
  return copy;
}
