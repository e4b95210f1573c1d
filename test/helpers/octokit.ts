/**
 * A real GitHub client pointed at a test Gatehouse: `@octokit/rest` with the enterprise-cloud plugin, so tests call
 * endpoints exactly as user scripts do (`octokit.rest.enterpriseAdmin.…`, `octokit.request('GET /…')`).
 */
import { Octokit } from '@octokit/rest';
import { enterpriseCloud } from '@octokit/plugin-enterprise-cloud';

export const EnterpriseOctokit = Octokit.plugin(enterpriseCloud);
export type EnterpriseOctokitClient = InstanceType<typeof EnterpriseOctokit>;

/** An authenticated client for `baseUrl` (a test app's `url`, optionally with `/api/v3`). */
export function octokitFor(baseUrl: string, token: string): EnterpriseOctokitClient {
  return new EnterpriseOctokit({ baseUrl, auth: token, request: { retries: 0 }, log: { debug() {}, info() {}, warn() {}, error() {} } });
}
