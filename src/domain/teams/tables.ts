/**
 * Row types for what migration 0004 adds, merged into the shared `Database` interface by module augmentation so the
 * foundation's `tables.ts` stays untouched.
 */
import type { Selectable } from 'kysely';

export type NotificationSetting = 'notifications_enabled' | 'notifications_disabled';
export type TeamRole = 'member' | 'maintainer';

export interface OrgInvitationTeamTable {
  invitation_id: number;
  team_id: number;
  /** The team role the invitee gets once the invitation is accepted. */
  role: TeamRole;
  created_at: string;
}

export type OrgInvitationTeamRow = Selectable<OrgInvitationTeamTable>;

declare module '../../storage/tables.ts' {
  interface TeamTable {
    notification_setting: NotificationSetting;
  }
  interface Database {
    org_invitation_teams: OrgInvitationTeamTable;
  }
}
