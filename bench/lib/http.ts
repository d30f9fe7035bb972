import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: any;
}

/**
 * A small keep-alive JSON client on node:http (no dependency): one Agent per target, sockets reused,
 * so the figures measure the server, not TCP handshakes. Only 127.0.0.1 is allowed.
 */
export class HttpClient {
  private agent: Agent;
  private readonly host: string;
  private readonly port: number;
  /** Requests sent so far, retries and polls included (the bench divides CPU by it). */
  calls = 0;

  constructor(
    baseUrl: string,
    private readonly maxSockets = 256,
  ) {
    const url = new URL(baseUrl);
    if (url.hostname !== '127.0.0.1') throw new Error(`bench traffic goes to 127.0.0.1 only, not ${url.hostname}`);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = this.newAgent();
  }

  /**
   * Closes every pooled socket and starts a new pool. Between phases: an overload leaves a hundred
   * sockets that all time out together a few seconds into the next phase.
   */
  resetPool(): void {
    this.agent.destroy();
    this.agent = this.newAgent();
  }

  private newAgent(): Agent {
    // Idle sockets are dropped after 4 s, before Node's server closes them at 5 s
    // (keepAliveTimeout): reusing one the server is closing at that moment fails with ECONNRESET,
    // which the distributed run counted as 3 failed lifecycles.
    return new Agent({ keepAlive: true, maxSockets: this.maxSockets, maxFreeSockets: this.maxSockets, timeout: 4_000 });
  }

  call(method: string, path: string, token: string | undefined, body?: unknown, timeoutMs = 30_000): Promise<Reply> {
    this.calls++;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise<Reply>((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${path}`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
