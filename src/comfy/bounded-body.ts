import type { request } from 'undici';

/**
 * Response bodies read with a byte bound: an output file can be any size a graph makes,
 * and the bot holds what it fetches in memory, so more than the bound is never read.
 */
/** Carries the caller's error out of the body read, past the transport-error wrapping. */
export class ResponseTooLarge extends Error {
  readonly error: Error;
  constructor(error: Error) {
    super(error.message);
    this.error = error;
  }
}

type BodyResponse = Awaited<ReturnType<typeof request>>;

/** Reads a body up to `limit` bytes; past it the body is destroyed and the caller's error thrown. */
export async function readBounded(response: BodyResponse, bound: { limit: number; onTooLarge: (declared: number | null) => Error }): Promise<Buffer> {
  const header = response.headers['content-length'];
  const declared = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : null;
  if (response.statusCode >= 200 && response.statusCode < 300 && declared !== null && declared > bound.limit) {
    discard(response);
    throw new ResponseTooLarge(bound.onTooLarge(declared));
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    const part = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += part.length;
    if (total > bound.limit) {
      // Leaving the loop ends the iteration, which destroys the body.
      response.body.on('error', () => undefined);
      throw new ResponseTooLarge(bound.onTooLarge(declared));
    }
    chunks.push(part);
  }
  return Buffer.concat(chunks, total);
}

/** Drops the body unread; its abort error is expected, not a failure to report. */
function discard(response: BodyResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}
