/**
 * Fastify gives every request a child logger bound to its request id; with pino that costs about a microsecond per
 * request (bindings serialised up front), a measurable share of a cached GET, while almost no request ever logs.
 * This factory hands out a stand-in that creates the real child on first use, with the same bindings and options.
 */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js';

type LogFn = FastifyBaseLogger['info'];

class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #logger(): FastifyBaseLogger {
    this.#real ??= this.parent.child(this.bindings, this.options);
    return this.#real;
  }

  get level(): string {
    return this.#logger().level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  fatal(...args: Parameters<LogFn>): void {
    this.#logger().fatal(...args);
  }
  error(...args: Parameters<LogFn>): void {
    this.#logger().error(...args);
  }
  warn(...args: Parameters<LogFn>): void {
    this.#logger().warn(...args);
  }
  info(...args: Parameters<LogFn>): void {
    this.#logger().info(...args);
  }
  debug(...args: Parameters<LogFn>): void {
    this.#logger().debug(...args);
  }
  trace(...args: Parameters<LogFn>): void {
    this.#logger().trace(...args);
  }
  silent(...args: Parameters<LogFn>): void {
    this.#logger().silent(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory` option. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}

/**
 * Fastify's request lines ("incoming request", "request completed") are written at `info`, but Gatehouse prints them
 * only at `debug` and `trace` (at `info` they would cost throughput on every request): a line printed at debug says
 * so in its level. A failed request ("request errored") keeps Fastify's `error`. Each line carries `reqId`, the
 * request's id, which is also its `X-GitHub-Request-Id` (src/app.ts makes Fastify's request ids those).
 */
export class RequestLogController extends LogController {
  constructor(level: string) {
    super({ disableRequestLogging: level !== 'debug' && level !== 'trace' });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error !== null && error !== undefined) {
      super.requestCompleted(error, request, reply, metadata);
      return;
    }
    if (this.isLogDisabled(request)) return;
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
