/**
 * Row → wire mapping for `runner-groups-enterprise` (OA-GHEC; github-semantics.md §1.3). The public `id` is the
 * per-enterprise group number, never the internal row id. `selected_organizations_url` appears only while visibility
 * is `selected` (the Default-group examples omit it); `network_configuration_id` only when set. `hosted_runners_url`
 * (optional in the schema) is left out: Gatehouse has no GitHub-hosted runners and GitHub documents no enterprise
 * endpoint for that URL to name, and every URL Gatehouse emits must resolve. URLs use the
 * hyphenated `runner-groups` path segment everywhere (the spec's examples mix in `runner_groups`; semantics §1.3 says
 * pick one).
 */
import { workflowsOf } from '../../domain/runner-groups/service.ts';
import type { RunnerGroupRow } from '../../storage/tables.ts';

export function toRunnerGroupEnterprise(group: RunnerGroupRow, enterpriseSlug: string, apiBase: string): Record<string, unknown> {
  const url = `${apiBase}/enterprises/${enterpriseSlug}/actions/runner-groups/${group.number}`;
  const body: Record<string, unknown> = {
    id: group.number,
    name: group.name,
    visibility: group.visibility,
    default: group.is_default === 1,
  };
  if (group.visibility === 'selected') body.selected_organizations_url = `${url}/organizations`;
  body.runners_url = `${url}/runners`;
  if (group.network_configuration_id !== null) body.network_configuration_id = group.network_configuration_id;
  body.allows_public_repositories = group.allows_public_repositories === 1;
  body.restricted_to_workflows = group.restricted_to_workflows === 1;
  body.selected_workflows = workflowsOf(group);
  body.workflow_restrictions_read_only = group.workflow_restrictions_read_only === 1;
  return body;
}
