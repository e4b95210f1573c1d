/**
 * Row types of the tables migration 0008 adds (`src/storage/migrations/0008-scim-org-grants.ts`), seen through
 * Kysely's `withTables` as 0007's are, so the shared `tables.ts` stays untouched.
 */
import type { Generated, Kysely, Transaction } from 'kysely';
import type { Db } from '../../context.ts';
import type { Database } from '../../../storage/tables.ts';

/** Organization access a SCIM identity was given (classic group membership, or org SCIM provisioning). */
export interface ScimOrgGrantTable {
  id: Generated<number>;
  scim_user_id: number;
  org_id: number;
  /** The classic group that gave the access; null for organization SCIM. */
  group_id: number | null;
  /** The invitation SCIM created; null once accepted or cancelled, or when SCIM created none. */
  invitation_id: number | null;
  /** The account whose membership (or invitation) is SCIM's doing; null when SCIM found it already there. */
  member_user_id: number | null;
  created_at: string;
}

/** The organization a classic SCIM group stands for. */
export interface ScimClassicGroupOrgTable {
  group_id: number;
  org_id: number;
  created_at: string;
}

export type OrgGrantTables = {
  scim_org_grants: ScimOrgGrantTable;
  scim_classic_group_orgs: ScimClassicGroupOrgTable;
};

export type GrantDb = Kysely<Database & OrgGrantTables> | Transaction<Database & OrgGrantTables>;

/** The store seen with the tables of migration 0008. */
export function withGrantTables(db: Db): GrantDb {
  return db.withTables<OrgGrantTables>() as GrantDb;
}
