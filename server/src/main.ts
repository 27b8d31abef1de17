// `npm start`: configuration from the environment (and ./.env), one relay, graceful shutdown.
import { startServer } from './app.ts';
import { ConfigError, loadConfig, loadDotEnv } from './config.ts';
import { createLogger } from './log.ts';
import { startupBanner } from './banner.ts';
import { transport } from './transport/uws.ts';
import { resolveVapidKeys } from './push/vapid.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    loadDotEnv();
    config = loadConfig(process.env);
    // Web Push keys: configured, or kept in VAPID_KEY_FILE (generated at first start).
    const vapid = resolveVapidKeys(config, process.env.VAPID_KEY_FILE !== undefined);
    config = vapid.config;
    if (vapid.source === 'generated')
      process.stderr.write(
        `session-messenger: generated VAPID keys into ${config.vapidKeyFile} (back it up: losing it breaks every push subscription)\n`,
      );
  } catch (err) {
    if (err instanceof ConfigError || err instanceof SyntaxError) {
      process.stderr.write(`session-messenger: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ config, log });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`session-messenger: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    // E.g. "Redis at redis://…:6379 is not reachable: connect ECONNREFUSED …": said plainly on
    // stderr for the operator, and as a JSON line for the log collector.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`session-messenger: cannot start: ${message}\n`);
    log.error('start_failed', { error: message });
    process.exit(1);
  }
  log.info('listening', {
    host: config.host,
    port: server.port,
    metricsPort: server.metricsPort,
    store: server.store.kind,
    epoch: server.store.epoch,
    transport: server.transport,
    tls: server.tls,
  });
  // stderr: stdout carries only JSON log lines.
  process.stderr.write(
    startupBanner({ host: config.host, port: server.port, tls: server.tls, transport: transport.label, store: server.store.kind }),
  );

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info('signal', { signal });
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown_failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
