/**
 * Test controls, part 4: the server clock — read, set, advance, freeze, back to real time — and what follows it:
 * runner online/offline, registration-token expiry, the stale-runner sweep, billing cycles and included minutes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDuration, ServerClock } from '../src/control/clock.ts';
import { nowMs, systemClock } from '../src/domain/context.ts';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const API = '/_gatehouse/api';
const DAY = 86_400_000;

describe('ServerClock', () => {
  it('is real time until moved, and nowMs takes the cheap path then', () => {
    const clock = new ServerClock();
    const before = Date.now();
    const now = nowMs(clock);
    assert.ok(now >= before && now <= Date.now());
    assert.deepEqual({ offset: clock.state().offset_ms, frozen: clock.state().frozen }, { offset: 0, frozen: false });
  });

  it('sets, advances, freezes and returns to real time', () => {
    const clock = new ServerClock();
    clock.set(Date.parse('2030-01-01T00:00:00Z'), true);
    assert.equal(clock.now().toISOString(), '2030-01-01T00:00:00.000Z');
    clock.advance(15 * DAY);
    assert.equal(clock.now().toISOString(), '2030-01-16T00:00:00.000Z');
    assert.equal(clock.state().frozen, true);
    clock.freeze(false);
    assert.ok(Math.abs(clock.nowMs() - Date.parse('2030-01-16T00:00:00Z')) < 1000, 'runs on from where it stood');
    clock.set(Date.parse('2031-06-01T00:00:00Z'));
    assert.equal(clock.state().frozen, false);
    assert.ok(Math.abs(clock.nowMs() - Date.parse('2031-06-01T00:00:00Z')) < 1000);
    clock.real();
    assert.ok(Math.abs(clock.nowMs() - Date.now()) < 50);
    assert.equal(clock.state().offset_ms, 0);
    // The system clock itself never moves.
    assert.ok(Math.abs(nowMs(systemClock) - Date.now()) < 50);
  });

  it('parses durations', () => {
    assert.equal(parseDuration('15d'), 15 * DAY);
    assert.equal(parseDuration('2h30m'), 9_000_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('-1d'), -DAY);
    assert.equal(parseDuration('1w'), 7 * DAY);
    assert.equal(parseDuration(1234), 1234);
    assert.equal(parseDuration('1234'), 1234);
    for (const bad of ['', 'd', '15 days', '1y', 'abc', null, {}, Number.NaN]) assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
  });
});

describe(`control API: clock (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  let seed: SeededEnterprise;
  before(async () => {
    t = await startTestApp();
    ({ token: admin } = await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true }));
    seed = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  const clock = (body: unknown): Promise<any> => t.request('POST', `${API}/clock`, { token: admin, body });
  const base = (): number => t.clock.now().getTime();

  it('reads, sets, advances (text or milliseconds), freezes and returns to real time', async () => {
    const read = await t.request('GET', `${API}/clock`, { token: admin });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, { now: new Date(base()).toISOString(), offset_ms: 0, frozen: false });

    const set = await clock({ set: '2027-03-01T10:00:00Z' });
    assert.equal(set.status, 200);
    assert.equal(set.body.now, '2027-03-01T10:00:00.000Z');
    assert.equal(set.body.offset_ms, Date.parse('2027-03-01T10:00:00Z') - base());
    assert.equal(set.body.frozen, false);

    assert.equal((await clock({ advance: '15d' })).body.now, '2027-03-16T10:00:00.000Z');
    assert.equal((await clock({ advance: 60_000 })).body.now, '2027-03-16T10:01:00.000Z');
    assert.equal((await clock({ advance: '-1m' })).body.now, '2027-03-16T10:00:00.000Z');

    const frozen = await clock({ freeze: true });
    assert.equal(frozen.body.frozen, true);
    t.clock.advance(5_000); // the underlying time moves; a frozen server clock does not
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).body.now, '2027-03-16T10:00:00.000Z');
    assert.equal((await clock({ set: '2027-04-01T00:00:00Z', freeze: true })).body.now, '2027-04-01T00:00:00.000Z');

    // What the server stamps follows it: an audit event created now.
    const group = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runner-groups`, { token: seed.ownerToken, body: { name: 'clocked', visibility: 'all' } });
    assert.equal(group.status, 201);
    const audit = await t.request('GET', `/enterprises/${seed.enterprise.slug}/audit-log?phrase=action:enterprise.runner_group_created`, { token: seed.ownerToken });
    assert.equal(audit.body[0]['@timestamp'], Date.parse('2027-04-01T00:00:00Z'));

    const real = await clock({ real: true });
    assert.deepEqual(real.body, { now: new Date(base()).toISOString(), offset_ms: 0, frozen: false, removed_runners: 0 });
  });

  it('rejects bad input with 422 (400 for a body that is not an object) and leaves the clock alone', async () => {
    for (const body of [{}, { set: 'tomorrow' }, { set: 12 }, { advance: 'soon' }, { set: '2027-01-01T00:00:00Z', advance: '1d' }, { real: false }, { freeze: 'yes' }]) {
      const res = await clock(body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(res.body.message, 'Validation Failed');
    }
    assert.equal((await t.request('POST', `${API}/clock`, { token: admin, rawBody: '"15d"' })).status, 400);
    assert.equal((await t.request('GET', `${API}/clock`, { token: admin })).body.offset_ms, 0);
  });

  it('runners go offline, registration tokens expire and stale runners are removed as the clock moves', async () => {
    await clock({ real: true });
    const { runner, credential } = await registerRunner(t.ctx, seed.enterprise, { name: 'clock-runner', os: 'linux', labels: [] }, null);
    assert.equal((await t.request('POST', '/_services/runner/heartbeat', { headers: { authorization: `Bearer ${credential}` }, body: { busy: false } })).status, 200);
    const path = `/enterprises/${seed.enterprise.slug}/actions/runners/${runner.id}`;
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).body.status, 'online');
    await clock({ advance: '91s' });
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).body.status, 'offline');

    // A registration token is valid for one hour.
    const minted = await t.request('POST', `/enterprises/${seed.enterprise.slug}/actions/runners/registration-token`, { token: seed.ownerToken });
    assert.equal(minted.status, 201);
    assert.equal(Date.parse(minted.body.expires_at), (await t.request('GET', `${API}/clock`, { token: admin })).body.offset_ms + base() + 3_600_000);
    await clock({ advance: '61m' });
    const exchange = await t.request('POST', '/actions/runner-registration', {
      headers: { authorization: `RemoteAuth ${String(minted.body.token)}` },
      body: { url: `https://github.com/enterprises/${seed.enterprise.slug}`, runner_event: 'register' },
    });
    assert.ok(exchange.status >= 400 && exchange.status < 500, `expired token: ${exchange.status}`);

    // Past the 14-day retention, advancing the clock removes the runner at once.
    const moved = await clock({ advance: '15d' });
    assert.equal(moved.status, 200);
    assert.ok(moved.body.removed_runners >= 1);
    assert.equal((await t.request('GET', path, { token: seed.ownerToken })).status, 404);
    const audit = await t.request('GET', `/enterprises/${seed.enterprise.slug}/audit-log?phrase=action:enterprise.remove_self_hosted_runner`, { token: seed.ownerToken });
    assert.ok(audit.body.some((e: { data?: { reason?: string }; reason?: string; runner_name?: string }) => JSON.stringify(e).includes('clock-runner')));
    await clock({ real: true });
  });

  it('billing follows the clock: a new cycle starts on the billing day, and included minutes are counted per cycle', async () => {
    await clock({ set: '2026-11-20T12:00:00Z', freeze: true });
    const posted = await t.request('POST', `/enterprises/${seed.enterprise.slug}/settings/billing/usage`, {
      token: seed.ownerToken,
      body: { usageItems: [{ date: '2026-11-19', product: 'Actions', sku: 'UBUNTU', quantity: 60_000, unitType: 'minutes' }] },
    });
    assert.equal(posted.status, 201, posted.text);
    const actions = `/enterprises/${seed.enterprise.slug}/settings/billing/actions`;
    const november = await t.request('GET', actions, { token: seed.ownerToken });
    assert.equal(november.body.total_minutes_used, 60_000);
    assert.equal(november.body.total_paid_minutes_used, 10_000);
    await clock({ advance: '12d' }); // 2 December: a new cycle
    const december = await t.request('GET', actions, { token: seed.ownerToken });
    assert.equal(december.body.total_minutes_used, 0);
    assert.equal(december.body.total_paid_minutes_used, 0);
    assert.equal(december.body.included_minutes, 50_000);
    await clock({ real: true });
  });
});
