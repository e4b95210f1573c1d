/**
 * Fastify type augmentation: what every request carries once the REST conventions have run.
 */
import type { AuthenticatedToken } from '../domain/accounts/accounts.ts';
import type { AppContext } from '../app-context.ts';

declare module 'fastify' {
  interface FastifyInstance {
    gh: AppContext;
  }
  interface FastifyRequest {
    /** The caller, or null before authentication / on routes with `config.auth: false`. */
    principal: AuthenticatedToken | null;
    /** Base for `url` fields in responses: the public URL, or its origin + `/api/v3` when the request came that way. */
    apiBase: string;
  }
  interface FastifyContextConfig {
    /** Set false on routes that authenticate themselves (runner side) or need no token. */
    auth?: boolean;
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
