// The pod's listening TCP sockets, from <procRoot>/net/tcp and tcp6. The network namespace is
// shared by every container of a pod, so these are the pod's ports, whoever serves them.
// Hand-written: no maintained package reads /proc/net/tcp without shelling out to ss/netstat,
// which slim and distroless images do not have.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { ListeningSocket } from './recognize.ts';

/** How the adapter reads a file: at most maxBytes of it, as text; throws the fs error when it cannot. */
export interface NetFs {
  readText(path: string, maxBytes: number): string;
}

/**
 * The kernel lists listening sockets before the others (tcp_seq_start walks the listening hash
 * first, net/ipv4/tcp_ipv4.c), so the first MiB holds every listener of any real pod even when it
 * has thousands of connections; the bound keeps a --proc-root file linked to /dev/zero harmless.
 */
export const maxNetFileBytes = 1024 * 1024;

/** TCP_LISTEN in the kernel's state column (include/net/tcp_states.h). */
const listenState = '0A';

/** Every LISTEN socket of tcp and tcp6 under procRoot; a file that cannot be read adds nothing. */
export function readListeningSockets(procRoot: string, fs: NetFs = nodeNetFs): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = fs.readText(`${procRoot}/net/${file}`, maxNetFileBytes);
    } catch {
      continue; // no IPv6 in the kernel, or /proc/net hidden: nothing listens that we can see
    }
    sockets.push(...parseListening(text));
  }
  return sockets;
}

/** The LISTEN rows of one /proc/net/tcp{,6} text (header line and malformed rows skipped). */
export function parseListening(text: string, littleEndian = process.getBuiltinModule('node:os').endianness() === 'LE'): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== listenState) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':');
    const address = hexAddress === undefined ? undefined : decodeAddress(hexAddress, littleEndian);
    const port = Number.parseInt(hexPort ?? '', 16);
    const inode = Number(fields[9]);
    if (address === undefined || !Number.isInteger(port) || !Number.isInteger(inode)) continue;
    sockets.push({ address, port, inode });
  }
  return sockets;
}

/**
 * The kernel prints each 32-bit word of the address with %08X as it sits in memory (network
 * order), so on a little-endian CPU each word's bytes read reversed. 8 hex digits: IPv4; 32: IPv6.
 */
function decodeAddress(hex: string, littleEndian: boolean): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  if (bytes.length === 4) return bytes.join('.');
  return ipv6Text(bytes);
}

/** RFC 5952 text (lower case, longest zero run as ::), and ::ffff:a.b.c.d for IPv4-mapped. */
function ipv6Text(bytes: number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Reads until end of file or maxBytes. Not proc-fs.ts's readText: that one stops at the first
 * short read, right for stat/status/cgroup, but seq_file hands /proc/net/tcp out about one page
 * per read(), so a short read is not the end here. O_NONBLOCK as there: a FIFO must not hang us.
 */
function readAll(path: string, maxBytes: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    while (length < maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes - length));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
    }
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export const nodeNetFs: NetFs = { readText: readAll };
