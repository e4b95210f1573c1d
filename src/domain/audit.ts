/**
 * The audit log: every change to enterprise state writes one event, inside the transaction that made the change,
 * so the log never records what did not happen.
 */
import crypto from 'node:crypto';
import type { Actor, Clock, Db } from './context.ts';

export interface AuditInput {
  action: string;
  enterpriseId?: number | null;
  orgId?: number | null;
  actor?: Actor | null;
  user?: { id: number; login: string } | null;
  data?: Record<string, unknown>;
}

export async function recordAudit(db: Db, clock: Clock, input: AuditInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      document_id: crypto.randomBytes(16).toString('base64url'),
      enterprise_id: input.enterpriseId ?? null,
      org_id: input.orgId ?? null,
      action: input.action,
      actor_id: input.actor?.id ?? null,
      actor: input.actor?.login ?? null,
      user_id: input.user?.id ?? null,
      user: input.user?.login ?? null,
      created_at: clock.now().getTime(),
      data: JSON.stringify(input.data ?? {}),
    })
    .execute();
}
