/**
 * Reference model of a membership repository: applies `planGroupPatch` member operations to a
 * list of ids the way a SQL implementation must, so tests can check the plan against
 * `applyPatch` on the full resource.
 */
import { GROUP_SCHEMA, ScimError, findAttribute, matchesElement } from '../../src/scim/engine/index.ts';
import type { AttributeDefinition, MemberOperation } from '../../src/scim/engine/index.ts';

function membersDefinition(): AttributeDefinition {
  const members = findAttribute(GROUP_SCHEMA.attributes, 'members');
  if (members === undefined) throw new Error('Group schema has no members');
  return members;
}

const MEMBERS = membersDefinition();

/** `members.value` is caseExact false (RFC 7643 §8.7.1), so ids compare case-insensitively. */
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * @param ids - current member ids, in order
 * @param operations - output of planGroupPatch
 * @returns the member ids afterwards, in order
 */
export function applyMemberOperations(ids: readonly string[], operations: readonly MemberOperation[]): string[] {
  let current = [...ids];
  for (const operation of operations) {
    switch (operation.kind) {
      case 'add':
        for (const id of operation.values) if (!current.some((existing) => same(existing, id))) current.push(id);
        break;
      case 'remove': {
        const hit = current.filter((existing) => operation.values.some((id) => same(existing, id)));
        if (hit.length === 0 && operation.requireMatch) throw ScimError.noTarget('no member matches');
        current = current.filter((existing) => !hit.includes(existing));
        break;
      }
      case 'replace':
        current = [];
        for (const id of operation.values) if (!current.some((existing) => same(existing, id))) current.push(id);
        break;
      case 'removeAll':
        current = [];
        break;
      case 'removeByFilter': {
        const hit = current.filter((id) => matchesElement(operation.filter, { value: id }, MEMBERS));
        if (hit.length === 0 && operation.requireMatch) throw ScimError.noTarget('no member matches');
        current = current.filter((id) => !hit.includes(id));
        break;
      }
    }
  }
  return current;
}
