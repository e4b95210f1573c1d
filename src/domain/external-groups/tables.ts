/**
 * Row types for what migration 0006 adds, merged into the shared `Database` interface by module augmentation so the
 * foundation's `tables.ts` stays untouched (the teams code does the same in `teams/tables.ts`).
 */
import type { Generated } from 'kysely';

declare module '../../storage/tables.ts' {
  interface OrgMemberTable {
    /**
     * 1 when the membership exists only because a team linked to an external group brought the user in; such members
     * leave the organization with their last linked team. Defaults to 0, so every other writer stays unchanged.
     */
    via_external_group: Generated<Bool>;
  }
}
