/**
 * Where one ComfyUI server lives and how to authenticate to it, shared by the HTTP
 * client and the socket so both hit the same prefix with the same headers.
 *
 * A base URL may be https, carry a path prefix (a reverse proxy's `/comfy`), and
 * even `user:password@`: credentials in the URL are moved into a Basic header so
 * they never appear in a logged URL.
 */
export interface ComfyAuthOptions {
  /** Extra headers on every request and on the WebSocket upgrade (e.g. a bearer token). Never logged. */
  headers?: Record<string, string>;
  /** Basic auth for a proxy in front of ComfyUI. Never logged. */
  auth?: { username: string; password: string };
}

/** Where a server is and how it is named in what users read. */
export interface EndpointOptions extends ComfyAuthOptions {
  /** The operator's name for the server (COMFY_SERVERS_FILE); user messages say it instead of the address. */
  label?: string;
}

export interface ComfyEndpoint {
  /** `host[:port]`, without credentials or path. */
  readonly host: string;
  /** What user messages call the server: its configured name, else `host[:port]`. */
  readonly label: string;
  /** Base without credentials or trailing slash, e.g. `https://gpu.example/comfy`. */
  readonly base: string;
  /** Headers every request carries: the configured ones plus Basic auth. */
  readonly headers: Readonly<Record<string, string>>;
  /** Absolute URL for a route such as `/prompt`, below the prefix. */
  url(path: string, query?: Record<string, string>): string;
  /** `ws(s)://…/<prefix>/ws?clientId=…` */
  socketUrl(clientId: string): string;
}

export function createEndpoint(baseUrl: string, options: EndpointOptions = {}): ComfyEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new TypeError(`ComfyUI URL ${JSON.stringify(baseUrl)} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`ComfyUI URL must be http or https, got ${parsed.protocol}`);
  }
  const headers: Record<string, string> = { ...options.headers };
  const urlAuth =
    parsed.username !== '' ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined;
  const auth = options.auth ?? urlAuth;
  if (auth !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  }
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  const base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;

  const url = (path: string, query?: Record<string, string>): string => {
    const target = new URL(`${base}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [key, value] of Object.entries(query ?? {})) target.searchParams.set(key, value);
    return target.toString();
  };

  return {
    host: parsed.host,
    label: options.label ?? parsed.host,
    base,
    headers,
    url,
    socketUrl(clientId: string): string {
      const socket = new URL(url('/ws', { clientId }));
      socket.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
      return socket.toString();
    },
  };
}
