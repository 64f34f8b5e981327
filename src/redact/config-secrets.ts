import { Redactor, type RedactorOptions } from './redactor.ts';

/**
 * Feeds a Redactor with every secret a configuration holds: the Discord token, each
 * ComfyUI server's auth (`user:password`, the password alone and the base64 Basic
 * form) and every header value (COMFY_HEADERS or the servers file). Takes plain
 * shapes rather than Config so the CLI and the bot can both call it.
 */

export interface SecretSources {
  discordToken?: string | null;
  servers: ReadonlyArray<{
    auth: { username: string; password: string } | null;
    headers: Readonly<Record<string, string>>;
  }>;
}

/** A secret too short to be searched for alone: named (never shown) so start-up can warn about it. */
export interface ShortSecret {
  what: string;
}

export function basicCredentials(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** The user and password inside an `Authorization: Basic …` value, or null. */
export function credentialsInBasic(header: string | undefined): { username: string; password: string } | null {
  const encoded = /^Basic\s+(\S+)$/i.exec(header?.trim() ?? '')?.[1];
  if (encoded === undefined) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Adds `sources` to `redactor`; returns the values that are only redacted next to their marker. */
export function addConfigSecrets(redactor: Redactor, sources: SecretSources): ShortSecret[] {
  const short: ShortSecret[] = [];
  if (sources.discordToken) {
    if (!redactor.add(sources.discordToken)) short.push({ what: 'DISCORD_TOKEN' });
    redactor.addAfterMarker('Bot', sources.discordToken);
  }
  sources.servers.forEach((server, index) => {
    const label = `server ${index + 1}`;
    if (server.auth !== null) {
      const { username, password } = server.auth;
      const basic = basicCredentials(username, password);
      redactor.addAfterMarker('Basic', basic);
      redactor.add(basic);
      redactor.add(`${username}:${password}`);
      redactor.addAfterMarker(`${username}:`, password);
      if (password !== '' && !redactor.add(password)) short.push({ what: `${label} auth password` });
    }
    for (const [name, value] of Object.entries(server.headers)) {
      redactor.addAfterMarker(name, value);
      // A bearer-style value is also cut without its scheme word.
      const bare = value.replace(/^(?:Bearer|Basic|Token|Bot)\s+/i, '');
      if (bare !== value) redactor.add(bare);
      if (!redactor.add(value)) short.push({ what: `${label} header ${name}` });
    }
  });
  return short;
}

/** A Redactor fed with `sources`, and the list of short values (for a start-up warning). */
export function redactorFor(sources: SecretSources, options: RedactorOptions = {}): { redactor: Redactor; short: ShortSecret[] } {
  const redactor = new Redactor(options);
  return { redactor, short: addConfigSecrets(redactor, sources) };
}
