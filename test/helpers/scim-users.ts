/**
 * A SCIM Users client for the parity tests of one dialect: requests as an identity provider sends them
 * (`application/scim+json`), and POST/GET bodies validated against GitHub's schema for the dialect's paths.
 */
import assert from 'node:assert/strict';
import type { ApiResponse, TestApp } from './app.ts';
import { assertSchema } from './openapi.ts';

export const SCIM = 'application/scim+json';
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimUserBody {
  id: string;
  userName: string;
  externalId?: string;
  displayName?: string;
  active: boolean;
  name?: { givenName?: string; familyName?: string };
  emails: Array<{ value: string; primary?: boolean; type?: string }>;
  groups?: Array<{ value: string }>;
  meta: { version: string; lastModified: string };
}

/** A provisioning body with a name and a primary work email. */
export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_URN],
    userName,
    name: { givenName: 'Mona', familyName: 'Octocat' },
    emails: [{ value: `${userName.replace(/@.*$/, '')}@example.com`, primary: true, type: 'work' }],
    ...extra,
  };
}

export interface ScimUsersClient {
  scim: <T = any>(method: string, path: string, body?: unknown, token?: string) => Promise<ApiResponse<T>>;
  patch: (id: string, ...operations: unknown[]) => Promise<ApiResponse<ScimUserBody>>;
  provision: (userName: string, extra?: Record<string, unknown>) => Promise<ScimUserBody>;
  get: (id: string) => Promise<ApiResponse<ScimUserBody>>;
}

/**
 * @param at - the app, the dialect's base path and the owner's token, read when a request is made (set in `before`)
 * @param paths - GitHub's OpenAPI templates of the dialect's Users collection and one User
 */
export function scimUsersClient(at: () => { t: TestApp; base: string; owner: string }, paths: { users: string; user: string }): ScimUsersClient {
  const scim = <T = any>(method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse<T>> => {
    const { t, owner } = at();
    return t.request<T>(method, path, { token: token ?? owner, headers: { accept: SCIM, 'content-type': SCIM }, ...(body === undefined ? {} : { rawBody: JSON.stringify(body) }) });
  };
  return {
    scim,
    patch: (id, ...operations) => scim<ScimUserBody>('PATCH', `${at().base}/Users/${id}`, { schemas: [PATCH_URN], Operations: operations }),
    provision: async (userName, extra = {}) => {
      const res = await scim<ScimUserBody>('POST', `${at().base}/Users`, userBody(userName, extra));
      assert.equal(res.status, 201, res.text);
      assertSchema('ghec', 'POST', paths.users, 201, res.body, SCIM);
      return res.body;
    },
    get: async (id) => {
      const res = await scim<ScimUserBody>('GET', `${at().base}/Users/${id}`);
      if (res.status === 200) assertSchema('ghec', 'GET', paths.user, 200, res.body, SCIM);
      return res;
    },
  };
}
