/**
 * Where a sweep's records go. The runner asks the store which cells are done and appends each
 * record as soon as it is computed, so a killed sweep loses at most the cell in progress.
 * The package ships an in-memory store; a file-backed one lives with the app that owns the
 * disk (the bench writes JSON lines), which keeps this package free of `fs` for browsers.
 */
import type { SweepRecord } from './mle/record.js';

/** A record a {@link ResultStore} can hold: anything with a unique cell key. */
export interface KeyedRecord {
  /** The cell's key, unique within a sweep. */
  key: string;
}

/**
 * A place for sweep records of type R, keyed by `R.key` (the MLE sweeps' `SweepRecord` unless
 * said; the Sobolev sweeps store their cell results). Methods may be sync or async.
 */
export interface ResultStore<R extends KeyedRecord = SweepRecord> {
  /** Whether a record for this cell key is stored. */
  has(key: string): boolean | Promise<boolean>;
  /** Stores one record (durably, for a store that claims to survive a kill). */
  append(record: R): void | Promise<void>;
  /** Every stored record, in the order appended. */
  all(): readonly R[] | Promise<readonly R[]>;
}

/** A `ResultStore` in memory: for tests, for browsers, and for sweeps that need no resume. */
export class MemoryResultStore<R extends KeyedRecord = SweepRecord> implements ResultStore<R> {
  private readonly records: R[] = [];
  private readonly keys = new Set<string>();

  /** Starts with `records` (e.g. those of an interrupted run); a repeated key keeps the first. */
  constructor(records: readonly R[] = []) {
    for (const r of records) this.append(r);
  }

  /** Whether a record for `key` is stored. */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds a record; a second record for a stored key is ignored (the first one stands). */
  append(record: R): void {
    if (this.keys.has(record.key)) return;
    this.keys.add(record.key);
    this.records.push(record);
  }

  /** The records in the order appended. */
  all(): readonly R[] {
    return this.records;
  }
}
