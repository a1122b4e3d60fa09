/**
 * results.jsonl: one line per finished unit, appended with a single write and fsync'd, so a kill
 * at any moment (kill -9 included) leaves every completed unit on disk and at worst one torn
 * last line, which the reader detects (no trailing newline) and discards.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunError } from './options.js';
import type { UnitRecord } from './suite.js';

export interface ReadResults {
  records: UnitRecord[];
  /** Bytes after the last newline: a line whose write was cut off. Zero for a clean file. */
  tornBytes: number;
  /** Length of the file up to and including its last newline. */
  validBytes: number;
  /** Lines for a unit already seen (kept: the first one). */
  duplicates: number;
}

function key(r: Pick<UnitRecord, 'suite' | 'unit'>): string {
  return `${r.suite}\u0000${r.unit}`;
}

/**
 * Reads results.jsonl. A last line without its newline is torn (the process died while writing
 * it) and is discarded; a complete line that is not a record is corruption and an error. A
 * second line for the same unit is dropped, so nothing counts twice.
 */
export function readResults(path: string): ReadResults {
  if (!existsSync(path)) return { records: [], tornBytes: 0, validBytes: 0, duplicates: 0 };
  const buf = readFileSync(path);
  const last = buf.lastIndexOf(0x0a);
  const validBytes = last + 1;
  const tornBytes = buf.length - validBytes;
  const text = buf.subarray(0, validBytes).toString('utf8');
  const records: UnitRecord[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let r: UnitRecord;
    try {
      r = JSON.parse(line) as UnitRecord;
    } catch {
      throw new RunError(`${path}:${i + 1}: a complete line that is not JSON (the file is corrupt, not torn): ${line.slice(0, 80)}`);
    }
    if (typeof r !== 'object' || r === null || typeof r.suite !== 'string' || typeof r.unit !== 'string' || typeof r.data !== 'object') {
      throw new RunError(`${path}:${i + 1}: not a unit record (needs suite, unit, data)`);
    }
    if (seen.has(key(r))) {
      duplicates++;
      return;
    }
    seen.add(key(r));
    records.push(r);
  });
  return { records, tornBytes, validBytes, duplicates };
}

/** Appends records durably. Opening cuts a torn tail off first, so the next line starts clean. */
export class ResultsWriter {
  private fd: number;

  constructor(readonly path: string, validBytes?: number) {
    if (validBytes !== undefined && existsSync(path)) {
      truncateSync(path, validBytes);
    }
    this.fd = openSync(path, 'a');
    fsyncSync(this.fd);
    syncDir(dirname(path));
  }

  append(record: UnitRecord): void {
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** fsync on a directory, so a newly created file's entry survives a crash (best effort). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the file's own fsync still holds.
  }
}

/** Writes a whole file atomically (temp file, fsync, rename): readers see the old or the new file. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
