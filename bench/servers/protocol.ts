/**
 * The child side of the bench's IPC protocol (see `bench/lib/children.ts`): wait for `start`, start the server,
 * report `ready` with its port, answer `usage` with the process's CPU time, close and exit on `stop` or when the
 * parent goes away.
 */

export interface StartedServer {
  port: number;
  info?: Record<string, unknown>;
  close(): Promise<void>;
}

export function serveChild<P>(start: (payload: P) => Promise<StartedServer>): void {
  let server: StartedServer | undefined;
  const shutdown = async (code: number): Promise<void> => {
    try {
      await server?.close();
    } finally {
      process.exit(code);
    }
  };
  process.on('message', (message: { type?: string; payload?: P }) => {
    if (message.type === 'start') {
      start(message.payload as P).then(
        (started) => {
          server = started;
          process.send?.({ type: 'ready', port: started.port, info: started.info ?? {} });
        },
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    } else if (message.type === 'usage') {
      // CPU time is what the load costs the server, whatever else the machine is doing; wall-clock rps is not.
      const cpu = process.cpuUsage();
      process.send?.({ type: 'usage', userUs: cpu.user, systemUs: cpu.system, rssBytes: process.memoryUsage.rss() });
    } else if (message.type === 'stop') {
      void shutdown(0);
    }
  });
  // The parent died (Ctrl-C, crash): do not linger holding a port and a database.
  process.on('disconnect', () => void shutdown(0));
}
