// Reading one file the user named or a folder walk found, safely: only regular files (a
// committed `x.yaml -> /dev/zero`, a FIFO, a device or a /proc entry is refused, never
// read), the size checked before reading and again while reading, without blocking on
// a FIFO that replaces the file between the check and the open.
import { closeSync, constants, fstatSync, openSync, readSync, statfsSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { decodeManifestBytes } from '../engine';

export type ReadResult =
  | { ok: true; text: string }
  /** `special`: a FIFO, device, socket or kernel file, not a file at all. */
  | { ok: false; reason: string; special: boolean };

/** Linux's procfs, sysfs, debugfs and securityfs: their "regular" files are views of the kernel. */
const VIRTUAL_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x64626720, 0x73636673]);

function onVirtualFilesystem(absolute: string): boolean {
  try {
    return VIRTUAL_FILESYSTEMS.has(statfsSync(absolute).type);
  } catch {
    return false;
  }
}
const CHUNK = 1 << 16;

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EAGAIN') return 'not a regular file (reading would block)';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return error instanceof Error ? error.message : String(error);
}

/** The text of a regular file of at most `maxBytes` bytes, or why it was not read. */
export function readRegularFile(
  absolute: string,
  maxBytes: number,
  /**
   * `manifest`: decoded as Kubernetes decodes YAML (decodeManifestBytes); `text`: plain
   * UTF-8; `binary`: one character per byte (what kustomize's generators hash).
   */
  decoding: 'manifest' | 'text' | 'binary' = 'manifest',
): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    fd = openSync(absolute, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return { ok: false, reason: describe(error), special: false };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = kindOf(stat);
      return {
        ok: false,
        reason: kind === 'not a regular file' ? kind : `not a regular file (${kind})`,
        special: true,
      };
    }
    if (onVirtualFilesystem(absolute)) {
      return { ok: false, reason: 'not a regular file (a kernel file under /proc or /sys)', special: true };
    }
    if (stat.size > maxBytes) {
      return {
        ok: false,
        reason: `${stat.size} bytes is more than the ${maxBytes}-byte limit`,
        special: false,
      };
    }
    // A regular file can still grow or report size 0 (/proc): read at most one byte past the limit.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(CHUNK, maxBytes + 1 - total));
      if (chunk.length === 0) {
        return { ok: false, reason: `more than the ${maxBytes}-byte limit`, special: false };
      }
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      if (stat.size === 0) {
        // Data from a file that says it is empty: generated on read (a kernel view), never ending.
        return {
          ok: false,
          reason: 'not a regular file (its size is 0 but reading it yields data)',
          special: true,
        };
      }
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    // A manifest as Kubernetes decodes it: BOMs, UTF-16, invalid UTF-8 marked for the loader.
    return {
      ok: true,
      text:
        decoding === 'manifest'
          ? decodeManifestBytes(bytes)
          : decoding === 'binary'
            ? Buffer.from(bytes).toString('latin1')
            : new TextDecoder().decode(bytes),
    };
  } catch (error) {
    return { ok: false, reason: describe(error), special: false };
  } finally {
    closeSync(fd);
  }
}
