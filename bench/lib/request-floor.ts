import type { HttpClient } from './http';
import { readCpuSeconds } from './proc';
import { now } from './stats';

export interface RequestFloor {
  /** Replies per second at `concurrency` in flight. */
  perSecond: number;
  /** Platform CPU time (user + system) per request, µs. */
  cpuUsPerRequest: number;
  requests: number;
  /** Replies that were not 200 (the figure is then not a floor of a successful read). */
  failed: number;
}

/**
 * The platform's CPU per request for one cheap GET, hammered with keep-alive at `concurrency` in
 * flight: what the HTTP stack (Node, Express, Nest, the guard, the error filter's absence) costs
 * when the handler does almost nothing. A lifecycle's requests cost at least this each.
 * `paths` are cycled so a read is not always the same cached object.
 */
export async function measureRequestFloor(
  client: HttpClient,
  pid: number,
  paths: readonly string[],
  token: string | undefined,
  durationMs: number,
  concurrency = 32,
): Promise<RequestFloor> {
  let requests = 0;
  let failed = 0;
  const cpu0 = readCpuSeconds(pid);
  const t0 = now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) {
        const reply = await client.call('GET', paths[requests % paths.length], token);
        requests++;
        if (reply.status !== 200) failed++;
      }
    }),
  );
  const seconds = (now() - t0) / 1000;
  const cpu = readCpuSeconds(pid) - cpu0;
  return { perSecond: requests / seconds, cpuUsPerRequest: (cpu * 1e6) / Math.max(1, requests), requests, failed };
}
