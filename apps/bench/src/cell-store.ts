/**
 * A file-backed `ResultStore` for the MLE sweeps of @nonlinear/theory: one JSON line per cell,
 * appended with a single write and fsync'd, so a kill at any moment leaves every finished cell
 * on disk and at worst one torn last line, which opening detects (no trailing newline) and cuts
 * off. The package itself stays free of `fs` (it runs in browsers); the disk belongs to the app.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResultStore, SweepRecord } from '@nonlinear/theory';
import { RunError } from './options.js';
import { syncDir } from './results.js';

/** Sweep records in a JSON-lines file, read back on open so a killed sweep resumes from it. */
export class JsonlResultStore implements ResultStore {
  private readonly records: SweepRecord[] = [];
  private readonly keys = new Set<string>();
  private fd = -1;
  /** Bytes of a torn last line cut off when the file was opened (0 for a clean file). */
  readonly tornBytes: number = 0;

  /** Opens (or creates, on the first append) `path`, loading the records it holds. */
  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    const buf = readFileSync(path);
    const valid = buf.lastIndexOf(0x0a) + 1;
    this.tornBytes = buf.length - valid;
    buf.subarray(0, valid).toString('utf8').split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let r: SweepRecord;
      try {
        r = JSON.parse(line) as SweepRecord;
      } catch {
        throw new RunError(`${path}:${i + 1}: a complete line that is not JSON (the file is corrupt, not torn): ${line.slice(0, 80)}`);
      }
      if (typeof r !== 'object' || r === null || typeof r.key !== 'string') throw new RunError(`${path}:${i + 1}: not a sweep record (no key)`);
      if (this.keys.has(r.key)) return;
      this.keys.add(r.key);
      this.records.push(r);
    });
    if (this.tornBytes > 0) truncateSync(path, valid);
  }

  /** Whether a record for this cell is in the file. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Appends one record durably (write, then fsync); a stored key is not written twice. */
  append(record: SweepRecord): void {
    if (this.keys.has(record.key)) return;
    if (this.fd < 0) {
      this.fd = openSync(this.path, 'a');
      syncDir(dirname(this.path));
    }
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    fsyncSync(this.fd);
    this.keys.add(record.key);
    this.records.push(record);
  }

  /** Every record, in file order. */
  all(): readonly SweepRecord[] {
    return this.records;
  }

  /** Closes the file (a later append reopens it). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
