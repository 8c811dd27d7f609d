import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';

/**
 * Nest's console logger writes `log`, `warn` and `debug` lines to stdout, which holds a command's
 * result: `corral keys list --json` began with a coloured `[Audit]` debug line. Every line a
 * library logs goes to stderr instead, coloured only on a terminal.
 */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown, params?: Record<string, unknown>): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

/**
 * The audit trail logs each record at debug level for the server's log; an operator has the
 * command's own output, so only warnings and errors are shown.
 */
export function routeLibraryLogsToStderr(): void {
  Logger.overrideLogger(new StderrLogger({ logLevels: ['fatal', 'error', 'warn'], colors: process.stderr.isTTY === true }));
}
