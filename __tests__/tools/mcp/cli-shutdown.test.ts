import { parseMcpArgs } from '../../../src/cli';
import { onShutdownSignals } from '../../../src/cli-shutdown';

describe('onShutdownSignals', () => {
  // A signal nobody else in the test process listens to, emitted in-process.
  const signals: NodeJS.Signals[] = ['SIGUSR2'];

  it('closes with the grace on the first signal and cuts the grace short on the second', async () => {
    const calls: Array<{ graceMs: number; signal: AbortSignal }> = [];
    let finish!: () => void;
    const seen: Array<[string, number]> = [];
    const shutdown = onShutdownSignals(
      (graceMs, signal) => {
        calls.push({ graceMs, signal });
        return new Promise<void>((resolve) => (finish = resolve));
      },
      7_000,
      { signals, onSignal: (signal, count) => seen.push([signal, count]) },
    );
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.graceMs).toBe(7_000);
      expect(calls[0]!.signal.aborted).toBe(false);
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.signal.aborted).toBe(true);
      expect(seen).toEqual([['SIGUSR2', 1], ['SIGUSR2', 2]]);
      finish();
      await shutdown.closed;
    } finally {
      shutdown.dispose();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('hands a failing close to `closed`', async () => {
    const shutdown = onShutdownSignals(() => Promise.reject(new Error('stuck')), 0, { signals });
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect(shutdown.closed).rejects.toThrow('stuck');
    shutdown.dispose();
  });
});

describe('langgraph-no mcp --shutdown-grace', () => {
  it('reads seconds into milliseconds, over HTTP only', () => {
    expect(parseMcpArgs(['--layer', 'primitive', '--http', '0', '--shutdown-grace', '2.5'])).toMatchObject({ shutdownGraceMs: 2_500 });
    expect(parseMcpArgs(['--layer', 'primitive', '--http', '0'])).not.toHaveProperty('shutdownGraceMs');
  });
});
