import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../tools/free-port';


export const REPO_ROOT = join(__dirname, '..', '..');


export interface RunningApp {
  process: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts an app from its TypeScript entry (no build needed) as a separate process, the way
 * `npm start` runs it, and waits until /health answers.
 */
export async function spawnApp(app: string, env: Record<string, string>, options: { waitForHealth?: boolean; timeoutMs?: number } = {}): Promise<RunningApp> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join('apps', app, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, RX_LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running: RunningApp = {
    process: child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitForHealth ?? true) {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode} before it was healthy:\n${out}`);
      try {
        const res = await fetch(`${running.baseUrl}/health`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${app} not healthy within the time limit:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return running;
}
