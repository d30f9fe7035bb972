import { ManualClock } from '@rx/kernel';
import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  it('runs one at a time: a second run waits for the first', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task = new PeriodicTask('t', new ManualClock(), async (now) => {
      order.push(`start ${now.toISOString()}`);
      if (order.length === 1) await gate;
      order.push(`end ${now.toISOString()}`);
      return now;
    });
    const first = task.run(new Date('2026-01-01T00:00:00Z'));
    const second = task.run(new Date('2026-01-02T00:00:00Z'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start 2026-01-01T00:00:00.000Z']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['start 2026-01-01T00:00:00.000Z', 'end 2026-01-01T00:00:00.000Z', 'start 2026-01-02T00:00:00.000Z', 'end 2026-01-02T00:00:00.000Z']);
  });

  it('a failed run does not stop the next one', async () => {
    let calls = 0;
    const task = new PeriodicTask('t', new ManualClock(), async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return calls;
    });
    await expect(task.run(new Date())).rejects.toThrow('boom');
    await expect(task.run(new Date())).resolves.toBe(2);
  });

  it('ticks on its interval with the clock it was given, and stops', async () => {
    jest.useFakeTimers();
    try {
      const clock = new ManualClock('2026-05-01T00:00:00Z');
      const seen: string[] = [];
      const task = new PeriodicTask('t', clock, async (now) => {
        seen.push(now.toISOString());
      });
      task.start(1000);
      await jest.advanceTimersByTimeAsync(2500);
      expect(seen).toEqual(['2026-05-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z']);
      await task.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(seen).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
