import { DefaultRestOptions, type RESTOptions } from 'discord.js';
import type { Redactor } from '../redact/redactor.ts';

/**
 * The last step before anything is sent to Discord: discord.js's REST `makeRequest`
 * wrapped so every string in the body (content, embeds, components, modal text,
 * attachment names in `payload_json`, uploaded files' names) has the known secrets
 * cut out. Every message, edit, follow-up and interaction callback goes through the
 * client's REST, so this is the one edge for all of them. File bytes are left as
 * they are. URLs are not touched: the interaction token in a webhook path is what
 * authorises the request.
 */

type MakeRequest = RESTOptions['makeRequest'];
type RequestBody = NonNullable<Parameters<MakeRequest>[1]['body']>;

function scrubJsonText(text: string, redactor: Redactor): string {
  try {
    return JSON.stringify(redactor.scrubDeep(JSON.parse(text) as unknown));
  } catch {
    return redactor.scrub(text);
  }
}

function scrubForm(form: FormData, redactor: Redactor): RequestBody {
  const clean = new FormData();
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') clean.append(name, name === 'payload_json' ? scrubJsonText(value, redactor) : redactor.scrub(value));
    else clean.append(name, value, redactor.scrub(value.name));
  }
  // The global FormData is the class discord.js builds its bodies with; undici's types
  // name their own copy of it, so the value is handed back under the body's type.
  return clean as unknown as RequestBody;
}

export function scrubRequestBody(body: RequestBody, redactor: Redactor): RequestBody {
  if (typeof body === 'string') return scrubJsonText(body, redactor);
  // @discordjs/rest builds its multipart bodies with the global FormData.
  if (body instanceof FormData) return scrubForm(body, redactor);
  return body;
}

/** A `makeRequest` for the client's REST options that scrubs each body, then sends it the default way. */
export function redactingMakeRequest(redactor: Redactor, send: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  return (url, init) => send(url, init.body === undefined || init.body === null ? init : { ...init, body: scrubRequestBody(init.body, redactor) });
}
