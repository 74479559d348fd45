import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorProcess, parseProc, probePid } from '../../src/compat/mcp-tools/process';
import { processMonitoringTool } from '../../src/compat/mcp-tools/tools';

async function call(params: unknown) {
  const response = await processMonitoringTool.handler(params);
  return { response, body: JSON.parse(response.content[0]?.text ?? 'null') };
}

describe('orchestration.process.monitor', () => {
  it('reports real facts about this process', async () => {
    const { response, body } = await call({ process: { pid: process.pid, name: 'node', cpu: 99, memoryMb: 1 }, thresholds: { cpu: 50, memoryMb: 1 } });
    expect(response.isError).toBeUndefined();
    expect(body.observed).toMatchObject({ exists: true, signalable: true, isCurrentProcess: true });
    if (process.platform === 'linux') {
      expect(body.observed).toMatchObject({ source: 'proc', ppid: process.ppid, status: expect.stringMatching(/running|sleeping/) });
      expect(body.observed.threads).toBeGreaterThanOrEqual(1);
      expect(body.observed.memoryMb).toBeGreaterThan(1);
      expect(body.observed.cpuSeconds).toBeGreaterThan(0);
    }
    expect(body.alerts).toEqual([expect.stringContaining('99% CPU'), expect.stringContaining('MB, over 1 MB')]);
    expect(body.process.status).toBe('running');
  });

  it('says when the pid does not exist here, and refuses bad shapes', async () => {
    let pid = 4_000_000;
    while (probePid(pid).exists) pid--;
    const { body } = await call({ process: { pid, name: 'ghost', status: 'sleeping' } });
    expect(body.observed).toEqual({ exists: false, signalable: false, isCurrentProcess: false, source: 'kill' });
    expect(body.discrepancies).toEqual([`no process ${pid} exists on this machine`]);
    for (const bad of [{ process: { pid: 0, name: 'x' } }, { process: { pid: 1, name: 'x', status: 'dead' } }, { process: { pid: 1 } }, { process: { pid: 5_000_000, name: 'x' } }]) {
      expect((await call(bad)).body.code).toBe('INVALID_INPUT');
    }
  });

  it('reads /proc and flags zombies and name or status mismatches', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'no-proc-'));
    try {
      await mkdir(path.join(root, String(process.pid)));
      await writeFile(path.join(root, String(process.pid), 'status'), 'Name:\tworker\nState:\tZ (zombie)\nPPid:\t1\nThreads:\t1\nVmRSS:\t  2048 kB\n');
      const report = await monitorProcess({ process: { pid: process.pid, name: 'node', status: 'running' } }, root);
      expect(report.observed).toMatchObject({ name: 'worker', status: 'zombie', state: 'Z', memoryMb: 2, source: 'proc' });
      expect(report.observed.cpuSeconds).toBeUndefined();
      expect(report.alerts).toEqual([expect.stringContaining('zombie')]);
      expect(report.discrepancies).toEqual([expect.stringContaining("named 'worker'"), expect.stringContaining('zombie here, reported running')]);
      const fallback = await monitorProcess({ process: { pid: process.pid, name: 'node' } }, path.join(root, 'missing'));
      expect(fallback.observed.source).toBe('kill');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('parses /proc text, including odd command names and unknown states', () => {
    expect(parseProc('Name:\tx\nState:\t?\n', '42 (a) b) R 1 2 3 4 5 6 7 8 9 10 250 150 0')).toEqual({ name: 'x', state: '?', cpuSeconds: 4 });
    expect(parseProc('junk\nState:\n', 'no parens')).toEqual({});
  });

  it('treats EPERM as a process that exists but cannot be signalled', () => {
    const spy = jest.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('not permitted'), { code: 'EPERM' });
    });
    try {
      expect(probePid(1)).toEqual({ exists: true, signalable: false });
    } finally {
      spy.mockRestore();
    }
  });
});
