/**
 * SCIM write transactions under contention (src/domain/scim/transaction.ts): lost races and database deadlocks are
 * retried, and a write that keeps colliding answers 409 (the client retries), never a 500; nothing is left behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scimTransaction } from '../src/domain/scim/transaction.ts';
import { ScimError } from '../src/scim/engine/index.ts';
import { startTestApp, storageKind, type TestApp } from './helpers/app.ts';

describe(`SCIM write transactions (${storageKind})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const deadlock = (): Error => Object.assign(new Error('deadlock detected'), { code: '40P01' });

  it('retries a deadlocked transaction and keeps the attempt that succeeds', async () => {
    let attempts = 0;
    const result = await scimTransaction(t.ctx, 'taken', async (trx) => {
      attempts += 1;
      await trx.insertInto('users').values({ login: `retry-${attempts}`, login_lower: `retry-${attempts}`, email: null, name: null, site_admin: 0, managed_by_enterprise_id: null, suspended_at: null, created_at: '2026-11-25T00:00:00.000Z', updated_at: '2026-11-25T00:00:00.000Z' }).execute();
      if (attempts < 3) throw deadlock();
      return attempts;
    });
    assert.equal(result, 3);
    const rows = await t.ctx.db.selectFrom('users').select('login').where('login', 'like', 'retry-%').execute();
    assert.deepEqual(rows.map((r) => r.login), ['retry-3'], 'the failed attempts rolled back');
  });

  it('answers 409 once every attempt deadlocked', async () => {
    let attempts = 0;
    await assert.rejects(
      scimTransaction(t.ctx, 'taken', async () => {
        attempts += 1;
        throw deadlock();
      }),
      (error: unknown) => error instanceof ScimError && error.status === 409 && /retry/.test(error.message),
    );
    assert.equal(attempts, 8);
  });
});
