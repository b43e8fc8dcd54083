// Packaged charts (`.tgz`): gunzip with fflate and a small tar reader, with the bounds and
// the checks of Helm's loader.LoadArchiveFiles (pkg/chart/loader/archive.go): the leading
// directory of every entry is dropped, absolute and parent paths are refused, sizes are capped.
// fflate's browser build: pure JavaScript, no worker_threads or module (the engine runs in web workers too).
import { Gunzip } from 'fflate/browser';

/** Helm's loader.MaxDecompressedChartSize and MaxDecompressedFileSize. */
export const MAX_DECOMPRESSED_CHART_SIZE = 100 * 1024 * 1024;
export const MAX_DECOMPRESSED_FILE_SIZE = 5 * 1024 * 1024;

export interface ArchiveLimits {
  readonly maxChartSize: number;
  readonly maxFileSize: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxChartSize: MAX_DECOMPRESSED_CHART_SIZE,
  maxFileSize: MAX_DECOMPRESSED_FILE_SIZE,
};

/** A file of a chart: its path inside the chart (`templates/svc.yaml`) and its bytes. */
export interface ChartFile {
  readonly name: string;
  readonly data: Uint8Array;
}

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** Decompresses gzip data, failing once the output passes `max` bytes (a gzip bomb stops early). */
export function gunzipBounded(data: Uint8Array, max: number): Uint8Array {
  if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b) throw new ArchiveError('gzip: invalid header');
  const chunks: Uint8Array[] = [];
  let total = 0;
  const g = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > max) throw new ArchiveError(`decompressed chart is larger than the maximum file size ${max}`);
    chunks.push(chunk);
  });
  // Small input slices keep each inflate step's output small (deflate expands at most ~1032x).
  const STEP = 4096;
  try {
    for (let i = 0; i < data.length; i += STEP) {
      g.push(data.subarray(i, Math.min(i + STEP, data.length)), i + STEP >= data.length);
    }
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`gzip: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One entry of a tar stream as Go's archive/tar returns it (PAX and GNU long names applied). */
export interface TarEntry {
  readonly name: string;
  /** The tar type flag: '0' file, '5' directory, '2' symlink, ... ('\0' is read as '0'). */
  readonly type: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(start, end));
}

function octal(b: Uint8Array, start: number, len: number, what: string): number {
  if ((b[start] ?? 0) & 0x80) throw new ArchiveError(`archive/tar: unsupported base-256 ${what}`);
  const s = cString(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new ArchiveError('archive/tar: invalid tar header');
  return parseInt(s, 8);
}

function isZeroBlock(b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** PAX extended header records: `LEN key=value\n`. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = new TextDecoder().decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!Number.isFinite(len) || len <= 0) throw new ArchiveError('archive/tar: invalid tar header');
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/** Reads a (decompressed) tar stream. */
export function readTar(tar: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  while (at + BLOCK <= tar.length) {
    if (isZeroBlock(tar, at)) break;
    const h = tar.subarray(at, at + BLOCK);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
    if (sum !== octal(h, 148, 8, 'checksum')) throw new ArchiveError('archive/tar: invalid tar header');
    let size = octal(h, 124, 12, 'size');
    const typeByte = h[156] ?? 0;
    const type = typeByte === 0 ? '0' : String.fromCharCode(typeByte);
    let name = cString(h, 0, 100);
    const magic = cString(h, 257, 6);
    if (magic === 'ustar') {
      const prefix = cString(h, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    if (pax?.has('size')) size = Number(pax.get('size'));
    if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError('archive/tar: invalid tar header');
    const start = at + BLOCK;
    if (start + size > tar.length) throw new ArchiveError('unexpected EOF');
    const data = tar.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (longName !== undefined) name = longName;
    if (pax?.has('path')) name = pax.get('path') ?? name;
    longName = undefined;
    pax = undefined;
    entries.push({ name, type, data });
  }
  return entries;
}

function cleanRelative(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else out.push('..');
    } else out.push(part);
  }
  return out.length === 0 ? '.' : out.join('/');
}

/** The files of a packaged chart, as loader.LoadArchiveFiles returns them. */
export function loadArchiveFiles(
  tgz: Uint8Array,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): ChartFile[] {
  const files: ChartFile[] = [];
  let remaining = limits.maxChartSize;
  for (const e of readTar(gunzipBounded(tgz, limits.maxChartSize + 64 * 1024))) {
    if (e.type === '5') continue;
    const delimiter = e.name.includes('\\') ? '\\' : '/';
    const parts = e.name.split(delimiter);
    let n = parts.slice(1).join('/');
    if (n.startsWith('/')) throw new ArchiveError('chart illegally contains absolute paths');
    n = cleanRelative(n);
    if (n === '.')
      throw new ArchiveError(`chart illegally contains content outside the base directory: "${e.name}"`);
    if (n.startsWith('..')) throw new ArchiveError('chart illegally references parent directory');
    if (/^[a-zA-Z]:\//.test(n)) throw new ArchiveError('chart contains illegally named files');
    if (parts[0] === 'Chart.yaml') throw new ArchiveError('chart yaml not in base directory');
    if (e.data.length > remaining)
      throw new ArchiveError(
        `decompressed chart is larger than the maximum file size ${limits.maxChartSize}`,
      );
    if (e.data.length > limits.maxFileSize) {
      throw new ArchiveError(
        `decompressed chart file "${e.name}" is larger than the maximum file size ${limits.maxFileSize}`,
      );
    }
    remaining -= e.data.length;
    files.push({ name: n, data: trimBom(e.data) });
  }
  if (files.length === 0) throw new ArchiveError('no files in chart archive');
  return files;
}

export function trimBom(data: Uint8Array): Uint8Array {
  return data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
}
