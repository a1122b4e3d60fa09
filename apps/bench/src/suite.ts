/**
 * The contract every study implements to plug into the bench frame.
 *
 * A suite declares its options (typed, with defaults per mode and allowed values), turns them
 * into a deterministic list of work units with stable ids, runs one unit at a time into one JSON
 * record, and summarizes the records into CSV rows, tables, figures and a report section. The
 * frame does everything else: parsing and validation, backends, progress, results files,
 * resume, sharding, merging and the report.
 */
import type { Backend } from '@nonlinear/tensor';
import type { VegaLiteSpec } from './figures.js';

export type Mode = 'quick' | 'full';
export type BackendName = 'webgpu' | 'cpu';

/** A JSON value, as stored in results.jsonl and config.json. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

interface OptionBase<T> {
  description: string;
  /** The value in full mode (and the value in quick mode unless `quick` is given). */
  default: T;
  /** The value in quick mode, when it differs. */
  quick?: T;
}

export interface IntOption extends OptionBase<number> {
  type: 'int';
  min?: number;
  max?: number;
}
export interface NumberOption extends OptionBase<number> {
  type: 'number';
  min?: number;
  max?: number;
}
export interface BooleanOption extends OptionBase<boolean> {
  type: 'boolean';
}
export interface EnumOption<V extends string = string> extends OptionBase<V> {
  type: 'enum';
  values: readonly V[];
}
export interface StringOption extends OptionBase<string> {
  type: 'string';
}
/** A comma-separated list of integers on the command line (`--sizes 256,512`), an array in JSON. */
export interface IntListOption extends OptionBase<number[]> {
  type: 'int[]';
  min?: number;
  max?: number;
  /** Exact number of entries, when fixed (a shape). */
  length?: number;
}
/** A comma-separated subset of `values`. */
export interface EnumListOption<V extends string = string> extends OptionBase<V[]> {
  type: 'enum[]';
  values: readonly V[];
}

export type OptionSpec = IntOption | NumberOption | BooleanOption | EnumOption | StringOption | IntListOption | EnumListOption;

/** Option name (camelCase; the flag is its kebab-case form) to its declaration. */
export type OptionsSchema = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S extends { type: 'int' | 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends EnumOption<infer V>
      ? V
      : S extends EnumListOption<infer V>
        ? V[]
        : S extends { type: 'int[]' }
          ? number[]
          : string;

/** The option values a schema declares, as the suite receives them (validated, defaults filled in). */
export type OptionValues<S extends OptionsSchema> = { [K in keyof S]: ValueOf<S[K]> };

/** Options the frame owns and every suite sees. */
export interface CommonOptions {
  mode: Mode;
  /** The backends chosen with --backend, resolved on this machine (auto: webgpu where an adapter exists, and cpu). */
  backends: BackendName[];
  /** Number of seeds; suites that have randomness run each unit family once per seed 0..seeds-1. */
  seeds: number;
}

/** One piece of work. `id` is stable across runs with the same options and unique in the suite. */
export interface Unit {
  id: string;
  /** Whatever the suite needs to run the unit; stored with the unit's record. */
  params: JsonObject;
}

export interface RunContext<O = Record<string, unknown>> {
  /** The suite's option values (validated, defaults filled in). */
  options: O;
  /** A started backend (started once per process, on first use). */
  backend(name: BackendName): Promise<Backend>;
  /** A line for the user that does not break the progress bar. */
  log(message: string): void;
  common: CommonOptions;
  /** The run's directory, for a suite that keeps files of its own there (e.g. finer resume state); absent outside a CLI run. */
  runDir?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
  /** A sentence under the table (what the numbers are). */
  caption?: string;
}

export interface Figure {
  /** File stem, without the suite prefix: `gflops` becomes `<suite>-gflops.svg` and `.vl.json`. */
  name: string;
  title: string;
  spec: VegaLiteSpec;
}

export interface Summary {
  /** Rows for summary.csv (the frame adds a `suite` column). */
  rows: Record<string, string | number | boolean | null>[];
  tables: Table[];
  figures: Figure[];
  /**
   * Markdown for the report section: for a paper replication, where and why results differ from
   * the paper; without a paper, what was measured and how.
   */
  notes: string;
}

export interface Suite<S extends OptionsSchema = OptionsSchema> {
  name: string;
  description: string;
  options: S;
  /** Test-only suites are left out of `pnpm bench` (all suites) and marked in `list`. */
  hidden?: boolean;
  /**
   * The paper the suite replicates, if any: the report then titles the suite's notes "Compared
   * with <title>", and the notes should say where and why the results differ from it.
   */
  paper?: { title: string; url?: string };
  /** False for suites that never touch a tensor backend (no adapter is started for them). */
  usesBackends?: boolean;
  /** The deterministic list of work units: same options, same ids in the same order. */
  units(options: OptionValues<S>, common: CommonOptions): Unit[];
  /** Runs one unit and returns its record. Benchmarks report what they measure; they never pass or fail on a time. */
  run(unit: Unit, ctx: RunContext<OptionValues<S>>): Promise<JsonObject>;
  /** A few words on a finished unit for the progress log (e.g. `1.8 GFLOP/s`). */
  brief?(record: JsonObject, unit: Unit): string;
  /** Summarizes the finished records (in unit order; a partial run gives fewer). */
  summarize(records: UnitRecord[], options: OptionValues<S>, common: CommonOptions): Summary;
}

/** One line of results.jsonl. */
export interface UnitRecord {
  suite: string;
  unit: string;
  params: JsonObject;
  data: JsonObject;
  /** Wall time of the unit in ms, and when it finished (ISO). Not part of the measurement. */
  elapsedMs: number;
  finishedAt: string;
}

/** Keeps the schema's literal types for OptionValues inference. */
export function defineSuite<S extends OptionsSchema>(suite: Suite<S>): Suite<S> {
  return suite;
}

/** A suite with its option types erased, as the registry holds it. */
export type AnySuite = Suite<OptionsSchema>;
