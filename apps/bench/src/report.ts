/**
 * From a run's config.json and records to summary.csv, figures (`<suite>-<name>.svg` with the
 * spec beside it as `.vl.json`) and report.md. Pure with respect to measurements: `pnpm bench
 * report DIR` reruns this on a finished (or partial) run without measuring anything.
 */
import { join } from 'node:path';
import { renderSvg } from './figures.js';
import { formatValue, RunError } from './options.js';
import { findSuite } from './registry.js';
import { writeFileAtomic } from './results.js';
import type { RunConfig } from './run-config.js';
import { inShard } from './shard.js';
import type { AnySuite, CommonOptions, OptionValues, Summary, Table, UnitRecord } from './suite.js';

export interface SuiteReport {
  suite: AnySuite;
  summary: Summary;
  /** Units this run was to do (its shard's), and how many it has records for. */
  expected: number;
  done: number;
}

export interface ReportResult {
  suites: SuiteReport[];
  files: string[];
}

function cellText(v: string | number | null): string {
  if (v === null) return '';
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: Pick<Table, 'columns' | 'rows'>): string {
  const lines = [`| ${t.columns.map(cellText).join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`];
  for (const r of t.rows) lines.push(`| ${r.map(cellText).join(' | ')} |`);
  return lines.join('\n');
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' && !Number.isFinite(v) ? String(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The records of one suite, in the order of its unit list. */
export function suiteRecords(config: RunConfig, suiteName: string, records: readonly UnitRecord[]): UnitRecord[] {
  const sc = config.suites.find((s) => s.name === suiteName)!;
  const order = new Map(sc.units.map((id, i) => [id, i]));
  return records.filter((r) => r.suite === suiteName && order.has(r.unit)).sort((a, b) => order.get(a.unit)! - order.get(b.unit)!);
}

export function expectedUnits(config: RunConfig, suiteName: string): string[] {
  const sc = config.suites.find((s) => s.name === suiteName)!;
  return sc.units.filter((_, i) => inShard(i, config.options.shard));
}

function setupTable(config: RunConfig, reports: readonly SuiteReport[]): string {
  const o = config.options;
  const adapters = config.backends.length ? config.backends.map((b) => `**${b}**: ${config.adapters[b] ?? '?'}`).join('<br>') : '(no tensor backend used)';
  const v = config.versions;
  const packages = Object.entries(v)
    .filter(([k]) => k !== 'node')
    .map(([k, x]) => `${k} ${x ?? '?'}`)
    .join(', ');
  const git = config.git.commit ? `${config.git.commit}${config.git.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown (not a git checkout)';
  const h = config.host as { platform?: string; arch?: string; cpus?: number; cpuModel?: string; memoryGiB?: number };
  let shard = o.shard ? `${o.shard.index}/${o.shard.count} (units with index mod ${o.shard.count} = ${o.shard.index})` : 'none';
  if (config.mergedFrom) {
    shard = `merged from ${config.mergedFrom.length} run(s): ${config.mergedFrom.map((m) => `${m.runId}${m.shard ? ` (shard ${m.shard.index}/${m.shard.count})` : ''}`).join(', ')}`;
    const distinct = new Set(config.mergedFrom.map((m) => JSON.stringify(m.adapters)));
    if (distinct.size > 1) shard += '. The shards ran on different adapters: see config.json `mergedFrom`.';
  }
  const done = reports.reduce((a, r) => a + r.done, 0);
  const expected = reports.reduce((a, r) => a + r.expected, 0);
  const rows: [string, string][] = [
    ['command', `\`${['pnpm bench', ...config.argv].join(' ')}\``],
    ['mode', o.mode],
    ['backend', `${o.backend} → ${config.backends.join(', ') || '(none)'}`],
    ['adapters', adapters],
    ['seeds', String(o.seeds)],
    ['shard', shard],
    ['units', `${done} of ${expected} done${done < expected ? ' (partial: continue with --resume)' : ''}`],
    ['node', v.node ?? '?'],
    ['packages', packages],
    ['git commit', git],
    ['host', `${h.platform ?? '?'} ${h.arch ?? ''}, ${h.cpus ?? '?'} × ${h.cpuModel ?? '?'}, ${h.memoryGiB ?? '?'} GiB`],
    ['started', config.createdAt],
  ];
  return markdownTable({ columns: ['', ''], rows });
}

function section(config: RunConfig, r: SuiteReport, figureFiles: Map<string, string>): string {
  const sc = config.suites.find((s) => s.name === r.suite.name)!;
  const out: string[] = [`## ${r.suite.name}`, '', r.suite.description, ''];
  if (r.done < r.expected) out.push(`**Partial**: ${r.done} of ${r.expected} units have records; the summary covers those.`, '');
  const optionRows = Object.entries(r.suite.options).map(([k, spec]) => [k, `\`${formatValue(sc.options[k])}\``, spec.description]);
  if (optionRows.length) out.push('Options:', '', markdownTable({ columns: ['option', 'value', 'meaning'], rows: optionRows }), '');
  if (r.summary.notes) {
    const paper = r.suite.paper;
    const heading = paper ? `### Compared with ${paper.url ? `[${paper.title}](${paper.url})` : paper.title}` : '### What was measured';
    out.push(heading, '', r.summary.notes, '');
  }
  for (const t of r.summary.tables) {
    out.push(`### ${t.title}`, '', markdownTable(t), '');
    if (t.caption) out.push(t.caption, '');
  }
  for (const f of r.summary.figures) {
    const file = figureFiles.get(f.name)!;
    out.push(`### Figure: ${f.title}`, '', `![${f.title}](${file}.svg)`, '', `Spec: [\`${file}.vl.json\`](${file}.vl.json) (Vega-Lite; edit and re-render to restyle).`, '');
  }
  return out.join('\n');
}

/** Summarizes every suite of the run and writes summary.csv, figures and report.md into `dir`. */
export async function writeReport(dir: string, config: RunConfig, records: readonly UnitRecord[], env: NodeJS.ProcessEnv = process.env): Promise<ReportResult> {
  const reports: SuiteReport[] = [];
  const files: string[] = [];
  const csvRows: Record<string, unknown>[] = [];
  const sections: string[] = [];
  const common: CommonOptions = { mode: config.options.mode, backends: config.backends, seeds: config.options.seeds };
  const figureFiles = new Map<string, Map<string, string>>();
  for (const sc of config.suites) {
    const suite = findSuite(sc.name, env);
    if (!suite) throw new RunError(`this run used the suite "${sc.name}", which this build of the bench does not register`);
    const recs = suiteRecords(config, sc.name, records);
    const summary = suite.summarize(recs, sc.options as OptionValues<typeof suite.options>, common);
    const r: SuiteReport = { suite, summary, expected: expectedUnits(config, sc.name).length, done: recs.length };
    reports.push(r);
    for (const row of summary.rows) csvRows.push({ suite: sc.name, ...row });
    const names = new Map<string, string>();
    for (const f of summary.figures) {
      const stem = `${sc.name}-${f.name}`;
      names.set(f.name, stem);
      writeFileAtomic(join(dir, `${stem}.vl.json`), `${JSON.stringify(f.spec, null, 2)}\n`);
      writeFileAtomic(join(dir, `${stem}.svg`), await renderSvg(f.spec));
      files.push(`${stem}.vl.json`, `${stem}.svg`);
    }
    figureFiles.set(sc.name, names);
  }
  for (const r of reports) sections.push(section(config, r, figureFiles.get(r.suite.name)!));
  writeFileAtomic(join(dir, 'summary.csv'), toCsv(csvRows));
  files.push('summary.csv');
  const title = config.name === 'all' ? 'all suites' : config.name;
  const md = [
    `# Bench report: ${title}, run ${config.runId}`,
    '',
    `Suites: ${config.suites.map((s) => `[${s.name}](#${s.name})`).join(', ')}. Raw records: \`results.jsonl\`; one row per result: \`summary.csv\`; every option: \`config.json\`.`,
    '',
    '## Setup',
    '',
    setupTable(config, reports),
    '',
    ...sections,
  ].join('\n');
  writeFileAtomic(join(dir, 'report.md'), md);
  files.push('report.md');
  return { suites: reports, files };
}
