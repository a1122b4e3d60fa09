import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResults, ResultsWriter } from './results.js';
import type { UnitRecord } from './suite.js';
import { tempDir } from './test-util/cli.js';

const rec = (unit: string, value: number): UnitRecord => ({ suite: 's', unit, params: {}, data: { value }, elapsedMs: 1, finishedAt: '2025-01-01T00:00:00.000Z' });
const line = (r: UnitRecord): string => `${JSON.stringify(r)}\n`;

describe('results.jsonl', () => {
  test('a torn last line (no newline) is detected and discarded', () => {
    const file = join(tempDir(), 'results.jsonl');
    const whole = line(rec('a', 1)) + line(rec('b', 2));
    const torn = '{"suite":"s","unit":"c","da';
    writeFileSync(file, whole + torn);
    const r = readResults(file);
    expect(r.records.map((x) => x.unit)).toEqual(['a', 'b']);
    expect(r.tornBytes).toBe(torn.length);
    expect(r.validBytes).toBe(Buffer.byteLength(whole));
  });

  test('a torn line that happens to be valid JSON is still torn (no newline, not committed)', () => {
    const file = join(tempDir(), 'results.jsonl');
    writeFileSync(file, line(rec('a', 1)) + JSON.stringify(rec('b', 2)));
    const r = readResults(file);
    expect(r.records.map((x) => x.unit)).toEqual(['a']);
    expect(r.tornBytes).toBeGreaterThan(0);
  });

  test('reopening cuts the torn tail, so the next record starts on its own line', () => {
    const file = join(tempDir(), 'results.jsonl');
    writeFileSync(file, `${line(rec('a', 1))}{"suite":"s","un`);
    const before = readResults(file);
    const w = new ResultsWriter(file, before.validBytes);
    w.append(rec('b', 2));
    w.close();
    expect(readFileSync(file, 'utf8')).toBe(line(rec('a', 1)) + line(rec('b', 2)));
    expect(readResults(file).tornBytes).toBe(0);
  });

  test('a corrupt complete line is an error, not silently dropped', () => {
    const file = join(tempDir(), 'results.jsonl');
    writeFileSync(file, `${line(rec('a', 1))}not json\n${line(rec('b', 2))}`);
    expect(() => readResults(file)).toThrow(/results\.jsonl:2: a complete line that is not JSON/);
  });

  test('a unit recorded twice counts once (the first record)', () => {
    const file = join(tempDir(), 'results.jsonl');
    writeFileSync(file, line(rec('a', 1)) + line(rec('a', 9)) + line(rec('b', 2)));
    const r = readResults(file);
    expect(r.records.map((x) => [x.unit, x.data.value])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(r.duplicates).toBe(1);
  });

  test('a missing file is an empty run; an empty file too', () => {
    const dir = tempDir();
    expect(readResults(join(dir, 'none.jsonl')).records).toEqual([]);
    writeFileSync(join(dir, 'empty.jsonl'), '');
    expect(readResults(join(dir, 'empty.jsonl'))).toEqual({ records: [], tornBytes: 0, validBytes: 0, duplicates: 0 });
  });
});
