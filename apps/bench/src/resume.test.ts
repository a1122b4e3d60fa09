import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { essence, readRecords, runCli, startCli, tempDir } from './test-util/cli.js';

/**
 * --resume after a real kill -9: the child is SIGKILLed mid-run, a torn half line is appended
 * (what a kill during a write leaves), and the resumed run must end with exactly the records of
 * a clean run: nothing lost, nothing counted twice.
 */

const ARGS = ['sleep', '--steps', '30', '--ms', '25', '--seeds', '2'];

async function waitForLines(file: string, n: number, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').length - 1 >= n) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${file} did not reach ${n} lines`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('resume', () => {
  test('a run killed with SIGKILL resumes to the records of a clean run', async () => {
    const out = tempDir();
    const clean = runCli([...ARGS, '--out', out, '--run-id', 'clean']);

    const { child, done } = startCli([...ARGS, '--out', out, '--run-id', 'killed']);
    const dir = join(out, 'sleep', 'killed');
    const jsonl = join(dir, 'results.jsonl');
    await waitForLines(jsonl, 10);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'report.md'))).toBe(false);
    const before = readRecords(dir).length;
    expect(before).toBeGreaterThanOrEqual(10);
    expect(before).toBeLessThan(60);
    // What a kill in the middle of a write leaves behind: half a line, no newline.
    appendFileSync(jsonl, '{"suite":"sleep","unit":"seed-1/step-2","params":{"se');

    // Options that differ from the run's are refused, without touching it.
    const size = statSync(jsonl).size;
    const conflict = await runCli(['sleep', '--resume', '--run-id', 'killed', '--out', out, '--ms', '1']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('--ms: the run has 25, this command says 1');
    expect(statSync(jsonl).size).toBe(size);

    const resumed = await runCli(['sleep', '--resume', '--run-id', 'killed', '--out', out]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('(resuming)');
    expect(resumed.stdout).toMatch(/discarded a torn last line \(\d+ bytes\)/);
    expect(resumed.stdout).toContain(`resuming: ${before} of 60 units already done`);

    const c = await clean;
    expect(c.code).toBe(0);
    const lines = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(60); // the torn line is gone and nothing was written twice
    expect(essence(readRecords(dir))).toEqual(essence(readRecords(join(out, 'sleep', 'clean'))));
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
  });

  test('--resume without --run-id picks the latest unfinished run, and a finished run just reports', async () => {
    const out = tempDir();
    const { child, done } = startCli(['sleep', '--steps', '40', '--ms', '30', '--out', out, '--run-id', 'r1']);
    await waitForLines(join(out, 'sleep', 'r1', 'results.jsonl'), 3);
    child.kill('SIGKILL');
    await done;
    const resumed = await runCli(['sleep', '--resume', '--out', out]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(join(out, 'sleep', 'r1'));
    expect(readRecords(join(out, 'sleep', 'r1'))).toHaveLength(40);
    const again = await runCli(['sleep', '--resume', '--run-id', 'r1', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('resuming: 40 of 40 units already done');
    expect(readRecords(join(out, 'sleep', 'r1'))).toHaveLength(40);
    const none = await runCli(['sleep', '--resume', '--out', out]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no unfinished run of sleep');
  });

  test('a new run refuses an existing run directory; --resume with a new --run-id starts it', async () => {
    const out = tempDir();
    const first = await runCli(['sleep', '--quick', '--ms', '0', '--out', out, '--run-id', 'job', '--shard', '1/2', '--resume']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('no run job-shard-1-of-2 of sleep yet; starting it');
    expect(readRecords(join(out, 'sleep', 'job-shard-1-of-2'))).toHaveLength(3);
    expect((await runCli(['sleep', '--quick', '--ms', '0', '--out', out, '--run-id', 'x'])).code).toBe(0);
    const r = await runCli(['sleep', '--quick', '--out', out, '--run-id', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists: continue it with --resume, or pick another --run-id');
  });
});
