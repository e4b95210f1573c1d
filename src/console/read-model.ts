/**
 * What the console shows that no GitHub-shaped route gives in one piece: every enterprise with its organizations, a
 * tenant's SCIM identities and groups whatever the dialect, the audit trail of one identity, runners by group, and the
 * current billing cycle per day. Read-only; the console's data routes (src/console/routes.ts) are its only callers.
 */
import { sql } from 'kysely';
import { actionsBilling, packagesBilling, sharedStorageBilling } from '../domain/billing/reports.ts';
import { currentCycle } from '../domain/billing/cycle.ts';
import { usageGroups } from '../domain/billing/ledger.ts';
import type { DomainContext } from '../domain/context.ts';
import { runnerStatus } from '../domain/runners/read-model.ts';
import type { EnterpriseRow } from '../storage/tables.ts';

export interface ConsoleEnterprise {
  slug: string;
  name: string;
  kind: 'classic' | 'managed';
  plan: string;
  organizations: string[];
}

export async function listConsoleEnterprises(ctx: DomainContext): Promise<ConsoleEnterprise[]> {
  const enterprises = await ctx.db.selectFrom('enterprises').select(['id', 'slug', 'name', 'kind', 'plan']).orderBy('slug_lower').execute();
  const orgs = await ctx.db.selectFrom('organizations').select(['login', 'enterprise_id']).where('enterprise_id', 'is not', null).orderBy('login_lower').execute();
  return enterprises.map((e) => ({
    slug: e.slug,
    name: e.name,
    kind: e.kind,
    plan: e.plan,
    organizations: orgs.filter((o) => o.enterprise_id === e.id).map((o) => o.login),
  }));
}

export async function findConsoleEnterprise(ctx: DomainContext, slug: string): Promise<EnterpriseRow | undefined> {
  return ctx.db.selectFrom('enterprises').selectAll().where('slug_lower', '=', slug.toLowerCase()).executeTakeFirst();
}

/** How the console names an identity's standing: GitHub's words for each dialect. */
export type IdentityState = 'active' | 'invited' | 'suspended' | 'deprovisioned';

export interface ConsoleIdentity {
  scim_id: string;
  dialect: string;
  organization: string | null;
  user_name: string;
  display_name: string | null;
  external_id: string | null;
  login: string | null;
  state: IdentityState;
  groups: string[];
  updated_at: string;
}

export interface ConsoleGroup {
  id: number;
  scim_id: string;
  dialect: string;
  display_name: string;
  external_id: string | null;
  members: number;
  teams: Array<{ organization: string; slug: string; name: string }>;
  updated_at: string;
}

/** Tenant scopes (`enterprise:<id>`, `org:<id>`) belonging to an enterprise. */
async function scopesOf(ctx: DomainContext, enterprise: EnterpriseRow): Promise<{ scopes: string[]; orgLogins: Map<number, string> }> {
  const orgs = await ctx.db.selectFrom('organizations').select(['id', 'login']).where('enterprise_id', '=', enterprise.id).execute();
  return { scopes: [`enterprise:${enterprise.id}`, ...orgs.map((o) => `org:${o.id}`)], orgLogins: new Map(orgs.map((o) => [o.id, o.login])) };
}

/**
 * SCIM users and groups of an enterprise and its organizations. A managed (EMU) identity that is not active is
 * suspended (its account is suspended); elsewhere an inactive identity is deprovisioned (its access removed), and an
 * active one whose account has not joined yet (no linked account, or an organization invitation pending) is invited.
 * Identities deleted by deprovisioning are listed from the audit log, as deprovisioned.
 */
export async function consoleIdentities(ctx: DomainContext, enterprise: EnterpriseRow): Promise<{ users: ConsoleIdentity[]; groups: ConsoleGroup[] }> {
  const { scopes, orgLogins } = await scopesOf(ctx, enterprise);
  const users = await ctx.db
    .selectFrom('scim_users as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.scim_id', 's.dialect', 's.org_id', 's.user_id', 's.user_name', 's.display_name', 's.external_id', 's.active', 's.updated_at', 'u.login'])
    .where('s.scope', 'in', scopes)
    .orderBy('s.user_name_lower')
    .limit(5000)
    .execute();
  const invited = new Set(
    (
      await ctx.db
        .selectFrom('org_invitations')
        .select('invitee_id')
        .where('source', '=', 'scim')
        .where('invitee_id', 'is not', null)
        .where('org_id', 'in', [...orgLogins.keys(), -1])
        .execute()
    ).map((r) => r.invitee_id),
  );
  const groups = await ctx.db
    .selectFrom('scim_groups')
    .select(['id', 'scim_id', 'dialect', 'display_name', 'external_id', 'updated_at'])
    .where('scope', 'in', scopes)
    .orderBy('display_name_lower')
    .limit(5000)
    .execute();
  const groupIds = [...groups.map((g) => g.id), -1];
  const memberships = await ctx.db.selectFrom('scim_group_members').select(['group_id', 'scim_user_id']).where('group_id', 'in', groupIds).execute();
  const teams = await ctx.db
    .selectFrom('team_external_groups as l')
    .innerJoin('teams as t', 't.id', 'l.team_id')
    .innerJoin('organizations as o', 'o.id', 't.org_id')
    .select(['l.group_id', 't.slug', 't.name', 'o.login'])
    .where('l.group_id', 'in', groupIds)
    .orderBy('t.slug')
    .execute();
  const groupName = new Map(groups.map((g) => [g.id, g.display_name]));
  const groupsOfUser = new Map<number, string[]>();
  const memberCount = new Map<number, number>();
  for (const m of memberships) {
    memberCount.set(m.group_id, (memberCount.get(m.group_id) ?? 0) + 1);
    const list = groupsOfUser.get(m.scim_user_id) ?? [];
    list.push(groupName.get(m.group_id) ?? String(m.group_id));
    groupsOfUser.set(m.scim_user_id, list);
  }
  const stateOf = (u: (typeof users)[number]): IdentityState => {
    if (Number(u.active) !== 1) return u.dialect === 'managed' ? 'suspended' : 'deprovisioned';
    if (u.dialect !== 'managed' && (u.user_id === null || invited.has(u.user_id))) return 'invited';
    return 'active';
  };
  // Identities removed by deprovisioning (DELETE, or `active: false` where that deletes the identity, as on classic
  // enterprises) exist only in the audit log now: the newest deprovision event of each names it.
  const current = new Set(users.map((u) => u.scim_id));
  const removed = new Map<string, ConsoleIdentity>();
  const orgIds = [...orgLogins.keys(), -1];
  const deprovisions = await ctx.db
    .selectFrom('audit_events')
    .select(['org_id', 'user', 'created_at', 'data'])
    .where('action', '=', 'external_identity.deprovision')
    .where((eb) => eb.or([eb('enterprise_id', '=', enterprise.id), eb('org_id', 'in', orgIds)]))
    .orderBy('id', 'desc')
    .limit(1000)
    .execute();
  for (const event of deprovisions) {
    const data = parse(event.data) as { scim_id?: unknown; user_name?: unknown; external_id?: unknown; dialect?: unknown } | null;
    if (data === null || typeof data !== 'object' || typeof data.scim_id !== 'string' || current.has(data.scim_id) || removed.has(data.scim_id)) continue;
    removed.set(data.scim_id, {
      scim_id: data.scim_id,
      dialect: typeof data.dialect === 'string' ? data.dialect : enterprise.kind,
      organization: event.org_id === null ? null : (orgLogins.get(event.org_id) ?? null),
      user_name: typeof data.user_name === 'string' ? data.user_name : data.scim_id,
      display_name: null,
      external_id: typeof data.external_id === 'string' ? data.external_id : null,
      login: event.user,
      state: 'deprovisioned',
      groups: [],
      updated_at: new Date(Number(event.created_at)).toISOString(),
    });
  }
  const live: ConsoleIdentity[] = users.map((u) => ({
      scim_id: u.scim_id,
      dialect: u.dialect,
      organization: u.org_id === null ? null : (orgLogins.get(u.org_id) ?? null),
      user_name: u.user_name,
      display_name: u.display_name,
      external_id: u.external_id,
      login: u.login ?? null,
      state: stateOf(u),
      groups: groupsOfUser.get(u.id) ?? [],
      updated_at: u.updated_at,
  }));
  return {
    users: [...live, ...removed.values()].sort((a, b) => a.user_name.toLowerCase().localeCompare(b.user_name.toLowerCase())),
    groups: groups.map((g) => ({
      id: g.id,
      scim_id: g.scim_id,
      dialect: g.dialect,
      display_name: g.display_name,
      external_id: g.external_id,
      members: memberCount.get(g.id) ?? 0,
      teams: teams.filter((t) => t.group_id === g.id).map((t) => ({ organization: t.login, slug: t.slug, name: t.name })),
      updated_at: g.updated_at,
    })),
  };
}

export interface ConsoleAuditEvent {
  id: number;
  action: string;
  actor: string | null;
  user: string | null;
  created_at: string;
  data: unknown;
}

/** The audit events of the enterprise that name a SCIM resource (`scim_id` in their data), newest first. */
export async function consoleAuditTrail(ctx: DomainContext, enterprise: EnterpriseRow, scimId: string): Promise<ConsoleAuditEvent[]> {
  const { scopes } = await scopesOf(ctx, enterprise);
  const orgIds = scopes.filter((s) => s.startsWith('org:')).map((s) => Number(s.slice(4)));
  // Callers pass a SCIM id of letters, digits and dashes (src/console/routes.ts), so it has no LIKE wildcard.
  const needle = `%"scim_id":${JSON.stringify(scimId)}%`;
  const rows = await ctx.db
    .selectFrom('audit_events')
    .select(['id', 'action', 'actor', 'user', 'created_at', 'data'])
    .where((eb) => eb.or([eb('enterprise_id', '=', enterprise.id), eb('org_id', 'in', [...orgIds, -1])]))
    .where(sql<boolean>`data like ${needle}`)
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({ id: r.id, action: r.action, actor: r.actor, user: r.user, created_at: new Date(Number(r.created_at)).toISOString(), data: parse(r.data) }));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ConsoleRunnerGroup {
  id: number;
  name: string;
  default: boolean;
  visibility: 'all' | 'selected';
  organizations: string[];
  runners: Array<{ id: number; name: string; os: string; status: 'online' | 'offline'; busy: boolean; ephemeral: boolean; labels: string[]; last_seen_at: string | null }>;
}

/** Runner groups of an enterprise, each with its organizations (when selected) and its runners, status by the server clock. */
export async function consoleRunners(ctx: DomainContext, enterprise: EnterpriseRow): Promise<ConsoleRunnerGroup[]> {
  const groups = await ctx.db.selectFrom('runner_groups').selectAll().where('enterprise_id', '=', enterprise.id).orderBy('number').execute();
  const groupIds = [...groups.map((g) => g.id), -1];
  const orgs = await ctx.db
    .selectFrom('runner_group_orgs as g')
    .innerJoin('organizations as o', 'o.id', 'g.org_id')
    .select(['g.runner_group_id', 'o.login'])
    .where('g.runner_group_id', 'in', groupIds)
    .orderBy('o.login_lower')
    .execute();
  const runners = await ctx.db.selectFrom('runners').selectAll().where('enterprise_id', '=', enterprise.id).orderBy('name_lower').limit(5000).execute();
  const labels = await ctx.db
    .selectFrom('runner_labels')
    .select(['runner_id', 'name'])
    .where('runner_id', 'in', [...runners.map((r) => r.id), -1])
    .orderBy('id')
    .execute();
  return groups.map((g) => ({
    id: g.number,
    name: g.name,
    default: Number(g.is_default) === 1,
    visibility: g.visibility,
    organizations: orgs.filter((o) => o.runner_group_id === g.id).map((o) => o.login),
    runners: runners
      .filter((r) => r.runner_group_id === g.id)
      .map((r) => ({
        id: r.id,
        name: r.name,
        os: r.os,
        status: runnerStatus(ctx, r),
        busy: Number(r.busy) === 1,
        ephemeral: Number(r.ephemeral) === 1,
        labels: labels.filter((l) => l.runner_id === r.id).map((l) => l.name),
        last_seen_at: r.last_seen_at,
      })),
  }));
}

export interface ConsoleBilling {
  cycle: { start: string; end: string; days: number };
  /** One entry per day of the cycle: GitHub-hosted Actions minutes by operating system. */
  days: Array<{ date: string; linux: number; windows: number; macos: number }>;
  actions: Awaited<ReturnType<typeof actionsBilling>>;
  packages: Awaited<ReturnType<typeof packagesBilling>>;
  storage: Awaited<ReturnType<typeof sharedStorageBilling>>;
}

function osOfSku(sku: string): 'linux' | 'windows' | 'macos' | undefined {
  const s = sku.toLowerCase();
  if (s.startsWith('ubuntu') || s === 'linux') return 'linux';
  if (s.startsWith('windows')) return 'windows';
  if (s.startsWith('macos')) return 'macos';
  return undefined;
}

/** The current billing cycle: minutes per day and OS (billable usage, as the reports count it) and the legacy totals. */
export async function consoleBilling(ctx: DomainContext, enterprise: EnterpriseRow): Promise<ConsoleBilling> {
  const cycle = currentCycle(ctx.clock.now(), enterprise.billing_cycle_day);
  const groups = await usageGroups(ctx.db, enterprise.id, cycle.start, cycle.end);
  const byDay = new Map<string, { date: string; linux: number; windows: number; macos: number }>();
  const start = Date.parse(`${cycle.start}T00:00:00Z`);
  for (let i = 0; i < cycle.days; i += 1) {
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    byDay.set(date, { date, linux: 0, windows: 0, macos: 0 });
  }
  for (const g of groups) {
    const os = g.product === 'actions' ? osOfSku(g.sku) : undefined;
    const day = byDay.get(g.usage_date);
    if (os !== undefined && day !== undefined) day[os] += Number(g.quantity);
  }
  return {
    cycle: { start: cycle.start, end: cycle.end, days: cycle.days },
    days: [...byDay.values()],
    actions: await actionsBilling(ctx, enterprise),
    packages: await packagesBilling(ctx, enterprise),
    storage: await sharedStorageBilling(ctx, enterprise),
  };
}
