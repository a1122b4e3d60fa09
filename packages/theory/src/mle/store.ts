/**
 * Where a sweep's records go. The runner asks the store which cells are done and appends each
 * record as soon as it is computed, so a killed sweep loses at most the cell in progress.
 * The package ships an in-memory store; a file-backed one lives with the app that owns the
 * disk (the bench writes JSON lines), which keeps this package free of `fs` for browsers.
 */
import type { SweepRecord } from './record.js';

/** A place for sweep records, keyed by `SweepRecord.key`. Methods may be sync or async. */
export interface ResultStore {
  /** Whether a record for this cell key is stored. */
  has(key: string): boolean | Promise<boolean>;
  /** Stores one record (durably, for a store that claims to survive a kill). */
  append(record: SweepRecord): void | Promise<void>;
  /** Every stored record, in the order appended. */
  all(): readonly SweepRecord[] | Promise<readonly SweepRecord[]>;
}

/** A `ResultStore` in memory: for tests, for browsers, and for sweeps that need no resume. */
export class MemoryResultStore implements ResultStore {
  private readonly records: SweepRecord[] = [];
  private readonly keys = new Set<string>();

  /** Starts with `records` (e.g. those of an interrupted run); a repeated key keeps the first. */
  constructor(records: readonly SweepRecord[] = []) {
    for (const r of records) this.append(r);
  }

  /** Whether a record for `key` is stored. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds a record; a second record for a stored key is ignored (the first one stands). */
  append(record: SweepRecord): void {
    if (this.keys.has(record.key)) return;
    this.keys.add(record.key);
    this.records.push(record);
  }

  /** The records in the order appended. */
  all(): readonly SweepRecord[] {
    return this.records;
  }
}
