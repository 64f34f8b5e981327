import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger, logFormatFor } from '../../src/log.ts';
import { Redactor } from '../../src/redact/redactor.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('logger', () => {
  it('scrubs interaction tokens from any logged error and drops request bodies', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('Invalid Webhook Token at PATCH /api/v10/webhooks/123456789012345678/aW50ZXJhY3Rpb246c2VjcmV0/messages/@original'), {
      url: 'https://discord.com/api/v10/interactions/123456789012345678/aW50ZXJhY3Rpb246c2VjcmV0/callback',
      requestBody: { files: [{ data: [1, 2, 3] }] },
    });
    logger.error({ err: error }, 'edit failed');
    const text = lines.join('');
    expect(text).toContain('edit failed');
    expect(text).toContain('/webhooks/123456789012345678/[redacted]');
    expect(text).not.toContain('aW50ZXJhY3Rpb246c2VjcmV0');
    expect(text).not.toContain('"data"');
  });

  it('redacts secrets by key wherever they sit in a context object', () => {
    const { lines, logger } = capture();
    logger.info({ config: { token: 'bot-token-123', auth: { username: 'u', password: 'hunter2' } }, headers: { authorization: 'Bearer abc' } }, 'starting');
    const text = lines.join('');
    expect(text).not.toMatch(/bot-token-123|hunter2|Bearer abc/);
    expect(text).toContain('[redacted]');
  });
});

describe('logger with a redactor', () => {
  it('cuts every configured secret from the finished line, in messages, nested fields and error stacks', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const redactor = new Redactor();
    redactor.add('sk-echoed-api-key-42');
    const logger = createLogger({ level: 'debug', destination, redactor });
    const error = new Error('proxy said: x-api-key: sk-echoed-api-key-42');
    logger.warn({ err: error, body: '{"headers":{"x-api-key":"sk-echoed-api-key-42"}}', deep: { a: [{ b: 'sk-echoed-api-key-42' }] } }, 'echo sk-echoed-api-key-42');
    const text = lines.join('');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('sk-echoed-api-key-42');
    expect(JSON.parse(text) as { msg: string }).toMatchObject({ msg: 'echo [redacted]' });
  });

  it('pretty: one readable line per record (time, level, message, fields), not JSON, and still redacted', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
        done();
      },
    });
    const redactor = new Redactor();
    redactor.add('sk-echoed-api-key-42');
    const logger = createLogger({ level: 'info', format: 'pretty', destination, redactor });
    logger.info({ server: 'gpu1' }, 'ComfyUI connected');
    logger.warn({ err: new Error('proxy echoed sk-echoed-api-key-42') }, 'ComfyUI not reachable yet');
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: ComfyUI connected$/);
    expect(lines.join('\n')).toMatch(/server: "gpu1"/);
    expect(lines.some((line) => /^\[\d{2}:\d{2}:\d{2}\] WARN: ComfyUI not reachable yet$/.test(line))).toBe(true);
    expect(lines.some((line) => line.trimStart().startsWith('{"level"'))).toBe(false);
    expect(lines.join('\n')).not.toContain('sk-echoed-api-key-42');
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('LOG_FORMAT auto: pretty on a terminal, JSON otherwise; json and pretty force one', () => {
    expect(logFormatFor('auto', true)).toBe('pretty');
    expect(logFormatFor('auto', false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });
});
