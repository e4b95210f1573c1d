/**
 * The application context every route plugin reads from `app.gh`: the domain context plus process-local helpers.
 */
import type { DomainContext } from './domain/context.ts';
import type { RateLimiter } from './http/rate-limit.ts';

export interface AppContext extends DomainContext {
  readonly rateLimiter: RateLimiter;
}
