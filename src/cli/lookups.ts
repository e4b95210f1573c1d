/**
 * What a CLI command names (an organization, a team, a user, an enterprise), looked up before the command runs, so
 * a name that does not exist is reported as such, with what would be accepted, instead of the API's bare
 * `Not Found` (which over HTTP deliberately hides whether the thing exists).
 */
import { findEnterprise, findOrganization, findUserByLogin } from '../domain/accounts/accounts.ts';
import type { Db } from '../domain/context.ts';
import { findVisibleTeam, listVisibleTeams } from '../domain/teams/service.ts';
import { ApiError } from '../errors/api-error.ts';
import type { EnterpriseRow, OrganizationRow, UserRow } from '../storage/tables.ts';
import { CliError } from './context.ts';

/** At most this many names are listed in a "does not exist" message. */
const MAX_LISTED = 10;

function listed(names: readonly string[], total: number): string {
  return names.length < total ? `${names.join(', ')}, … (${total} in all)` : names.join(', ');
}

export async function cliOrganization(db: Db, login: string): Promise<OrganizationRow> {
  const org = await findOrganization(db, login);
  if (org === undefined) throw new CliError(`organization "${login}" does not exist (create it with \`gatehouse org create --login ${login} --enterprise SLUG\`)`);
  return org;
}

export async function cliUser(db: Db, login: string): Promise<UserRow> {
  const user = await findUserByLogin(db, login);
  if (user === undefined) throw new CliError(`user "${login}" does not exist (create it with \`gatehouse user create --login ${login}\`)`);
  return user;
}

export async function cliEnterprise(db: Db, slug: string): Promise<EnterpriseRow> {
  const enterprise = await findEnterprise(db, slug);
  if (enterprise === undefined) throw new CliError(`enterprise "${slug}" does not exist (create it with \`gatehouse enterprise create --slug ${slug}\`)`);
  return enterprise;
}

/** Checks that the organization has a team with this slug; the message lists the slugs it does have. */
export async function cliTeam(db: Db, orgLogin: string, slug: string): Promise<void> {
  const org = await cliOrganization(db, orgLogin);
  try {
    await findVisibleTeam(db, org.login, slug, null);
    return;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const { teams, total } = await listVisibleTeams(db, org, null, MAX_LISTED, 0);
  const accepted =
    total === 0
      ? `it has no teams (create one with \`gatehouse team create --org ${org.login} --name NAME\`)`
      : `its teams are ${listed(
          teams.map((t) => t.slug),
          total,
        )}`;
  throw new CliError(`team "${slug}" does not exist in organization "${org.login}": ${accepted}`);
}
