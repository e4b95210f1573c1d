/**
 * PATCH bodies as Entra ID, Okta, OneLogin and JumpCloud send them (fixtures/patch/**, each
 * naming its source in docs/idp-quirks.md). For every fixture:
 * 1. parse and apply the request to `before`;
 * 2. expect `after` (or the error's scimType) and `before` unchanged;
 * 3. for groups, plan the same request as deltas, check the planned member operations, and check
 *    that attribute ops + member deltas reproduce `after` without loading the members.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  GROUP_RESOURCE,
  ScimError,
  USER_RESOURCE,
  applyPatch,
  isJsonObject,
  parsePatchRequest,
  planGroupPatch,
} from '../../src/scim/engine/index.ts';
import type { JsonObject, JsonValue, MemberOperation, PatchOptions } from '../../src/scim/engine/index.ts';
import { applyMemberOperations } from './member-model.ts';

interface PatchFixture {
  description: string;
  source: string;
  resourceType: 'User' | 'Group';
  options?: PatchOptions;
  before: JsonObject;
  request: JsonValue;
  after?: JsonObject;
  error?: string;
  memberOps?: MemberOperation[];
}

const ROOT = new URL('fixtures/patch/', import.meta.url);

function loadFixtures(): { name: string; fixture: PatchFixture }[] {
  return readdirSync(ROOT, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed: unknown = JSON.parse(readFileSync(new URL(file, ROOT), 'utf8'));
      assert.ok(isJsonObject(parsed) && isJsonObject(parsed['before']), `${file}: before must be an object`);
      assert.ok((parsed['after'] === undefined) !== (parsed['error'] === undefined), `${file}: after xor error`);
      return { name: file.replace(/\.json$/, ''), fixture: parsed as unknown as PatchFixture };
    });
}

function memberIds(resource: JsonObject): string[] {
  const members = resource['members'];
  if (!Array.isArray(members)) return [];
  return members.flatMap((member) => (isJsonObject(member) && typeof member['value'] === 'string' ? [member['value']] : []));
}

function withoutMembers(resource: JsonObject): JsonObject {
  const { members: _members, ...rest } = resource;
  return rest;
}

describe('IdP PATCH fixtures', () => {
  for (const { name, fixture } of loadFixtures()) {
    const schema = fixture.resourceType === 'User' ? USER_RESOURCE : GROUP_RESOURCE;
    const options = fixture.options ?? {};

    it(`${name}: ${fixture.description}`, () => {
      const snapshot = structuredClone(fixture.before);
      const request = parsePatchRequest(fixture.request, { requirePatchSchema: true });
      if (fixture.error !== undefined) {
        assert.throws(
          () => applyPatch(fixture.before, request, schema, options),
          (error: unknown) => error instanceof ScimError && error.scimType === fixture.error,
        );
      } else {
        const result = applyPatch(fixture.before, request, schema, options);
        assert.deepStrictEqual(result.resource, fixture.after);
        assert.equal(result.changed, JSON.stringify(fixture.before) !== JSON.stringify(fixture.after));
        if (fixture.resourceType === 'Group') {
          const before = memberIds(fixture.before);
          const after = memberIds(result.resource);
          const lower = (ids: string[]): string[] => ids.map((id) => id.toLowerCase());
          assert.deepStrictEqual(result.memberChanges, {
            membersAdded: after.filter((id) => !lower(before).includes(id.toLowerCase())),
            membersRemoved: before.filter((id) => !lower(after).includes(id.toLowerCase())),
          });
        }
      }
      assert.deepStrictEqual(fixture.before, snapshot, 'the input resource must not change');
    });

    if (fixture.resourceType !== 'Group') continue;

    it(`${name}: planGroupPatch reproduces applyPatch without the member list`, () => {
      const request = parsePatchRequest(fixture.request);
      const plan = planGroupPatch(request, GROUP_RESOURCE, options);
      if (fixture.memberOps !== undefined) assert.deepStrictEqual(plan.memberOps, fixture.memberOps);
      const applyDeltas = (): string[] => applyMemberOperations(memberIds(fixture.before), plan.memberOps);
      if (fixture.after === undefined) {
        assert.throws(applyDeltas, (error: unknown) => error instanceof ScimError && error.scimType === fixture.error);
        return;
      }
      const attributeRequest = { operations: plan.attributeOps };
      const attributes = applyPatch(withoutMembers(fixture.before), attributeRequest, GROUP_RESOURCE, options);
      assert.deepStrictEqual(withoutMembers(attributes.resource), withoutMembers(fixture.after));
      assert.deepStrictEqual(applyDeltas(), memberIds(fixture.after));
    });
  }
});
