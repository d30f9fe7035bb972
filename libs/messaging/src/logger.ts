export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The only way this library writes anything: adapters take one as an option. */
export interface MessagingLogger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function levelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  return RANK[level] >= RANK[threshold];
}

/** JSON lines on stderr at `level` and above (default warn): quiet unless something is wrong. */
export function jsonLinesLogger(options: { level?: LogLevel; name?: string; write?: (line: string) => void } = {}): MessagingLogger {
  const threshold = options.level ?? 'warn';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const name = options.name ?? 'messaging';
  return {
    log(level, message, fields) {
      if (!levelEnabled(level, threshold)) return;
      let line: string;
      try {
        line = JSON.stringify({ time: new Date().toISOString(), level, logger: name, message, ...fields });
      } catch {
        line = JSON.stringify({ time: new Date().toISOString(), level, logger: name, message });
      }
      write(line + '\n');
    },
  };
}

export const silentLogger: MessagingLogger = { log: () => undefined };
