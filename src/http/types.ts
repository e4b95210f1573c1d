/**
 * Fastify type augmentation: what every request carries once the REST conventions have run.
 */
import type { AuthenticatedToken } from '../domain/accounts/accounts.ts';
import type { AppContext } from '../app-context.ts';
import type { RateLimitState } from './rate-limit.ts';

import type { FastifyError, FastifyReply } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    gh: AppContext;
    /** The caller's rate-limit standing for a resource, read without counting (`GET /rate_limit`). */
    rateLimits: { peek(request: FastifyRequest, resource: string): RateLimitState };
    /** Answers Fastify's `frameworkErrors` (errors before routing) as GitHub would (src/http/conventions.ts). */
    answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void;
  }
  interface FastifyRequest {
    /** The caller, or null before authentication / on routes with `config.auth: false`. */
    principal: AuthenticatedToken | null;
    /** Base for `url` fields in responses: the public URL, or its origin + `/api/v3` when the request came that way. */
    apiBase: string;
  }
  interface FastifyContextConfig {
    /**
     * Set false on routes that authenticate their own credentials (runner side); `'optional'` where a token is used
     * when sent but none is needed (the API root, `/meta`, avatars). Default: a token is required.
     */
    auth?: boolean | 'optional';
    /** Set false where the request reports the caller's rate limit without counting against it (`GET /rate_limit`). */
    rateCounted?: boolean;
    /** GitHub docs URL for this operation's error bodies. */
    docs?: string;
    /** Rate-limit resource reported in `x-ratelimit-resource`. */
    rateResource?: string;
    /** False on Gatehouse's own operations routes (`/_gatehouse/…`): none of GitHub's conventions apply. */
    conventions?: boolean;
    /** Which error renderer the route's errors use. */
    surface?: 'rest' | 'scim';
  }
}

export {};
