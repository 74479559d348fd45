import { readFile } from 'node:fs/promises';
import type { ProcessMonitorInput } from './schemas.js';

type ProcessStatus = NonNullable<ProcessMonitorInput['process']['status']>;

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every mainstream architecture). */
export const USER_HZ = 100;

/** /proc state letters as the current package's process statuses. */
const STATE_OF: Readonly<Record<string, ProcessStatus>> = {
  R: 'running',
  S: 'sleeping',
  I: 'sleeping',
  D: 'waiting',
  T: 'stopped',
  t: 'stopped',
  Z: 'zombie',
  X: 'zombie',
};

/** What this machine says about a pid. */
export interface ObservedProcess {
  /** `process.kill(pid, 0)` found it (EPERM counts: it exists, we may not signal it). */
  exists: boolean;
  /** We may signal it (false on EPERM). */
  signalable: boolean;
  isCurrentProcess: boolean;
  /** From /proc/<pid>/status and /proc/<pid>/stat, when readable. */
  name?: string;
  status?: ProcessStatus;
  state?: string;
  ppid?: number;
  threads?: number;
  memoryMb?: number;
  cpuSeconds?: number;
  source: 'kill' | 'proc';
}

/** Is the pid alive here? ESRCH: no; EPERM: yes, someone else's. */
export function probePid(pid: number): { exists: boolean; signalable: boolean } {
  try {
    process.kill(pid, 0);
    return { exists: true, signalable: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { exists: code === 'EPERM', signalable: false };
  }
}

/** Parses /proc/<pid>/status and /proc/<pid>/stat text (exported for tests). */
export function parseProc(statusText: string, statText: string | undefined): Omit<ObservedProcess, 'exists' | 'signalable' | 'isCurrentProcess' | 'source'> {
  const fields = new Map<string, string>();
  for (const line of statusText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const out: ReturnType<typeof parseProc> = {};
  const name = fields.get('Name');
  if (name !== undefined) out.name = name;
  const state = fields.get('State')?.charAt(0);
  if (state !== undefined && state !== '') {
    out.state = state;
    const status = STATE_OF[state];
    if (status !== undefined) out.status = status;
  }
  const int = (key: string): number | undefined => {
    const value = Number.parseInt(fields.get(key) ?? '', 10);
    return Number.isFinite(value) ? value : undefined;
  };
  const ppid = int('PPid');
  if (ppid !== undefined) out.ppid = ppid;
  const threads = int('Threads');
  if (threads !== undefined) out.threads = threads;
  const rssKb = int('VmRSS');
  if (rssKb !== undefined) out.memoryMb = Math.round((rssKb / 1024) * 100) / 100;
  if (statText !== undefined) {
    // The command name (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
    const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (Number.isFinite(utime) && Number.isFinite(stime)) out.cpuSeconds = (utime + stime) / USER_HZ;
  }
  return out;
}

/** Real facts about a pid on this machine: kill(pid, 0), then /proc where it exists (Linux). */
export async function observeProcess(pid: number, procRoot = '/proc'): Promise<ObservedProcess> {
  const probe = probePid(pid);
  const base: ObservedProcess = { ...probe, isCurrentProcess: pid === process.pid, source: 'kill' };
  if (!probe.exists) return base;
  try {
    const status = await readFile(`${procRoot}/${pid}/status`, 'utf8');
    const stat = await readFile(`${procRoot}/${pid}/stat`, 'utf8').catch(() => undefined);
    return { ...base, ...parseProc(status, stat), source: 'proc' };
  } catch {
    return base; // no /proc (macOS, Windows) or the process ended between the probe and the read
  }
}

export interface ProcessReport {
  process: ProcessMonitorInput['process'] & { status: ProcessStatus };
  observed: ObservedProcess;
  thresholds: { cpu: number; memoryMb: number };
  alerts: string[];
  /** Where the report and this machine disagree. */
  discrepancies: string[];
  checkedAt: string;
}

/** Reports on the given process, against its thresholds and against what this machine observes. */
export async function monitorProcess(input: ProcessMonitorInput, procRoot?: string): Promise<ProcessReport> {
  const reported = { ...input.process, status: input.process.status ?? 'running' };
  const thresholds = { cpu: input.thresholds?.cpu ?? 85, memoryMb: input.thresholds?.memoryMb ?? 1024 };
  const observed = await observeProcess(reported.pid, procRoot);
  const alerts: string[] = [];
  const label = `process ${reported.name} (pid ${reported.pid})`;
  if (reported.cpu !== undefined && reported.cpu > thresholds.cpu) alerts.push(`${label} uses ${reported.cpu}% CPU, over ${thresholds.cpu}%`);
  const memory = observed.memoryMb ?? reported.memoryMb;
  if (memory !== undefined && memory > thresholds.memoryMb) alerts.push(`${label} uses ${memory} MB, over ${thresholds.memoryMb} MB`);
  if (observed.status === 'zombie') alerts.push(`${label} is a zombie`);
  const discrepancies: string[] = [];
  if (!observed.exists) discrepancies.push(`no process ${reported.pid} exists on this machine`);
  if (observed.name !== undefined && observed.name !== reported.name) {
    discrepancies.push(`pid ${reported.pid} is named '${observed.name}' here, not '${reported.name}'`);
  }
  if (observed.status !== undefined && input.process.status !== undefined && observed.status !== input.process.status) {
    discrepancies.push(`pid ${reported.pid} is ${observed.status} here, reported ${input.process.status}`);
  }
  return { process: reported, observed, thresholds, alerts, discrepancies, checkedAt: new Date().toISOString() };
}
