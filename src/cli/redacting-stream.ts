import type { Redactor } from '../redact/redactor.ts';

/**
 * The CLI's terminal edge: a view of stdout or stderr whose `write` passes every chunk
 * through the redactor, so no line the CLI prints (progress, results, errors) can
 * carry a configured secret. Everything else (isTTY, columns, events) is the real
 * stream's, so the progress line still knows it is on a terminal.
 */
export function redactingStream<T extends NodeJS.WritableStream>(stream: T, redactor: Redactor): T {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
    const clean = typeof text === 'string' ? redactor.scrub(text) : text;
    return (stream.write as (...args: unknown[]) => boolean).call(stream, clean, ...rest);
  };
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
