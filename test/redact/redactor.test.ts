import { escapeMarkdown } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { addConfigSecrets, basicCredentials, redactorFor } from '../../src/redact/config-secrets.ts';
import { MIN_SECRET_LENGTH, REDACTED, Redactor } from '../../src/redact/redactor.ts';

const API_KEY = 'sk-live_9f*8e~7d|6c"5b\\4a/3';
const PASSWORD = 'hunter2_with*stars';

function withKey(): Redactor {
  const redactor = new Redactor();
  redactor.add(API_KEY);
  return redactor;
}

describe('Redactor', () => {
  it('GIVEN a secret THEN it is cut raw, anywhere in the text', () => {
    const out = withKey().scrub(`x-api-key: ${API_KEY}\nnext line`);
    expect(out).toBe(`x-api-key: ${REDACTED}\nnext line`);
  });

  it('GIVEN a secret JSON-escaped (JSON.stringify, and Python ensure_ascii \\u escapes) THEN it is cut', () => {
    const redactor = withKey();
    const json = JSON.stringify({ headers: { 'x-api-key': API_KEY } });
    expect(json).not.toContain(API_KEY);
    expect(redactor.scrub(json)).toBe(`{"headers":{"x-api-key":"${REDACTED}"}}`);
    const unicodeEscaped = [...API_KEY].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    expect(redactor.scrub(`"${unicodeEscaped}"`)).toBe(`"${REDACTED}"`);
    const accented = new Redactor();
    accented.add('clé-secrète-42');
    expect(accented.scrub('{"k": "cl\\u00e9-secr\\u00E8te-42"}')).toBe(`{"k": "${REDACTED}"}`);
  });

  it("GIVEN a secret Markdown-escaped by discord.js's escapeMarkdown THEN it is cut", () => {
    const escaped = escapeMarkdown(`key ${API_KEY} end`);
    expect(escaped).not.toContain(API_KEY);
    expect(withKey().scrub(escaped)).toBe(escapeMarkdown('key ').concat(REDACTED, escapeMarkdown(' end')));
  });

  it('GIVEN a secret URL-encoded or HTML-escaped THEN it is cut', () => {
    const redactor = withKey();
    expect(redactor.scrub(`/cb?k=${encodeURIComponent(API_KEY)}&x=1`)).toBe(`/cb?k=${REDACTED}&x=1`);
    expect(redactor.scrub(`<pre>${API_KEY.replace('"', '&quot;')}</pre>`)).toBe(`<pre>${REDACTED}</pre>`);
  });

  it('GIVEN a value shorter than the minimum THEN add refuses it and ordinary text stays as it is', () => {
    const redactor = new Redactor();
    expect(redactor.add('pass')).toBe(false);
    expect(redactor.size).toBe(0);
    const text = 'a cat that will pass the test, compass and passport';
    expect(redactor.scrub(text)).toBe(text);
    expect(MIN_SECRET_LENGTH).toBe(6);
  });

  it('GIVEN a short value with its marker THEN it is cut only next to the marker', () => {
    const redactor = new Redactor();
    redactor.addAfterMarker('X-Pin', '1234');
    expect(redactor.scrub('x-pin: 1234 and 1234 apples')).toBe(`x-pin: ${REDACTED} and 1234 apples`);
    expect(redactor.scrub('{"X-Pin":"1234"}')).toBe(`{"X-Pin":"${REDACTED}"}`);
    expect(redactor.scrub('{\\"x-pin\\": \\"1234\\"}')).toBe(`{\\"x-pin\\": \\"${REDACTED}\\"}`);
  });

  it('GIVEN two secrets where one contains the other THEN the longer is cut whole', () => {
    const redactor = new Redactor();
    redactor.add('abcdefgh');
    redactor.add('abcdefgh-and-more');
    expect(redactor.scrub('[abcdefgh-and-more]')).toBe(`[${REDACTED}]`);
  });

  it('GIVEN runtime values THEN they expire after the ttl and the oldest go past the cap', () => {
    let now = 1_000;
    const redactor = new Redactor({ now: () => now, runtimeTtlMs: 60_000, maxRuntimeSecrets: 2 });
    redactor.addRuntime('token-one-aaaa');
    redactor.addRuntime('token-two-bbbb');
    expect(redactor.scrub('token-one-aaaa token-two-bbbb')).toBe(`${REDACTED} ${REDACTED}`);
    redactor.addRuntime('token-three-cc');
    expect(redactor.scrub('token-one-aaaa')).toBe('token-one-aaaa');
    now += 60_001;
    expect(redactor.size).toBe(0);
    expect(redactor.scrub('token-two-bbbb')).toBe('token-two-bbbb');
  });

  it('GIVEN more runtime values than one pattern group holds THEN every one is cut, and the cap still drops exactly the oldest', () => {
    const redactor = new Redactor({ maxRuntimeSecrets: 100 });
    const tokens = Array.from({ length: 130 }, (_, i) => `interaction-token-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`);
    for (const token of tokens) redactor.addRuntime(token);
    const kept = tokens.slice(30);
    expect(redactor.scrub(kept.join(' '))).toBe(kept.map(() => REDACTED).join(' '));
    expect(redactor.scrub(tokens[29]!)).toBe(tokens[29]);
    // Seen again: it outlives the ones added after it.
    redactor.addRuntime(tokens[30]!);
    redactor.addRuntime('one-more-token-aaaaaa');
    expect(redactor.scrub(tokens[30]!)).toBe(REDACTED);
    expect(redactor.scrub(tokens[31]!)).toBe(tokens[31]);
  });

  it('GIVEN secrets that overlap across pattern groups THEN the whole stretch is cut once', () => {
    const redactor = new Redactor();
    redactor.add('configured-secret-value');
    for (let i = 0; i < 40; i += 1) redactor.addRuntime(`filler-token-${i}-padding`);
    redactor.addRuntime('secret-value-and-runtime-tail');
    // 'configured-secret-value' and 'secret-value-and-runtime-tail' share 'secret-value'.
    expect(redactor.scrub('<configured-secret-value-and-runtime-tail>')).toBe(`<${REDACTED}>`);
    expect(redactor.scrub('a filler-token-3-padding b filler-token-39-padding c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('GIVEN a nested payload THEN scrubDeep returns a copy with every string cut and keys kept', () => {
    const redactor = withKey();
    const payload = { content: `a ${API_KEY}`, embeds: [{ fields: [{ name: 'n', value: API_KEY }] }], flags: 64 };
    expect(redactor.scrubDeep(payload)).toEqual({ content: `a ${REDACTED}`, embeds: [{ fields: [{ name: 'n', value: REDACTED }] }], flags: 64 });
    expect(payload.content).toBe(`a ${API_KEY}`);
  });
});

describe('addConfigSecrets', () => {
  it('GIVEN auth and headers THEN user:password, the password, the Basic form and each header value are cut', () => {
    const { redactor, short } = redactorFor({
      discordToken: 'MTIz.discord-token.abcdef',
      servers: [{ auth: { username: 'comfy', password: PASSWORD }, headers: { 'X-Api-Key': API_KEY, Authorization: 'Bearer bearer-value-123' } }],
    });
    expect(short).toEqual([]);
    const basic = basicCredentials('comfy', PASSWORD);
    const text = [`comfy:${PASSWORD}`, PASSWORD, `Basic ${basic}`, API_KEY, 'bearer-value-123', 'MTIz.discord-token.abcdef'].join(' | ');
    expect(redactor.scrub(text).split(' | ')).toEqual([REDACTED, REDACTED, `Basic ${REDACTED}`, REDACTED, REDACTED, REDACTED]);
  });

  it('GIVEN a short password and a short header value THEN they are reported and cut next to their marker only', () => {
    const redactor = new Redactor();
    const short = addConfigSecrets(redactor, { servers: [{ auth: { username: 'u', password: 'pw1' }, headers: { 'X-Tiny': 'abc' } }] });
    expect(short.map((entry) => entry.what)).toEqual(['server 1 auth password', 'server 1 header X-Tiny']);
    const basic = basicCredentials('u', 'pw1');
    expect(redactor.scrub(`authorization: Basic ${basic}`)).toBe(`authorization: Basic ${REDACTED}`);
    expect(redactor.scrub('x-tiny: abc; pw1 and abc stay')).toBe(`x-tiny: ${REDACTED}; pw1 and abc stay`);
  });
});
