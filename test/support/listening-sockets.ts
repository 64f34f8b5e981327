import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP sockets this process listens on, read from Linux's /proc: the socket inodes
 * among /proc/self/fd, matched with the LISTEN rows (state 0A) of /proc/net/tcp{,6}.
 * It sees every listener, whichever library opened it, so a test can tell that
 * starting something opened no port, or exactly one, and on which address.
 */
export interface ListeningSocket {
  inode: string;
  /** '127.0.0.1', '0.0.0.0', '::' … */
  address: string;
  port: number;
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // The fd closed between the listing and the readlink.
    }
  }
  return inodes;
}

function ipv4(hex: string): string {
  return [3, 2, 1, 0].map((byte) => Number.parseInt(hex.slice(byte * 2, byte * 2 + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words; shown uncompressed except for the all-zero address.
  if (/^0+$/.test(hex)) return '::';
  const bytes = Array.from({ length: 4 }, (_, word) => hex.slice(word * 8, word * 8 + 8).match(/../g)!.reverse().join('')).join('');
  return bytes.match(/..../g)!.map((group) => group.replace(/^0{1,3}/, '')).join(':');
}

export function listeningSockets(): ListeningSocket[] {
  const own = ownSocketInodes();
  const found: ListeningSocket[] = [];
  for (const [file, decode] of [['/proc/net/tcp', ipv4], ['/proc/net/tcp6', ipv6]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const inode = fields[9]!;
      if (!own.has(inode)) continue;
      const [addressHex, portHex] = fields[1]!.split(':') as [string, string];
      found.push({ inode, address: decode(addressHex), port: Number.parseInt(portHex, 16) });
    }
  }
  return found;
}

/** Listeners present now that were not in `before`. */
export function newListeners(before: readonly ListeningSocket[]): ListeningSocket[] {
  const seen = new Set(before.map((socket) => socket.inode));
  return listeningSockets().filter((socket) => !seen.has(socket.inode));
}
