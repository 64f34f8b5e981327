import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  port: number;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback; `handler` answers every request. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `res`'s connection is gone, with how many body bytes the server managed to hand to the socket. */
export function streamUntilClosed(res: ServerResponse, first: Buffer, totalBytes: number): Promise<number> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    const pump = (): void => {
      while (written < totalBytes && !res.destroyed) {
        const piece = written === 0 ? Buffer.concat([first, chunk.subarray(first.length)]) : chunk;
        written += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (written >= totalBytes) res.end();
    };
    res.on('close', () => resolve(written));
    pump();
  });
}
