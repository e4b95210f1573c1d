/** The core Group schema, RFC 7643 §4.2 and its representation in §8.7.1. */
import { attribute, complexAttribute } from './define.ts';
import type { ScimSchema } from './types.ts';

export const GROUP_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const GROUP_SCHEMA: ScimSchema = {
  id: GROUP_SCHEMA_ID,
  name: 'Group',
  description: 'Group',
  attributes: [
    // §4.2 calls displayName REQUIRED (the §8.7.1 listing says otherwise), as does GitHub's contract.
    attribute('displayName', 'A human-readable name for the Group.', { required: true }),
    complexAttribute(
      'members',
      'A list of members of the Group.',
      [
        // GitHub's contract requires `value` in every member (the §8.7.1 listing leaves it optional).
        attribute('value', 'Identifier of the member of this Group.', { required: true, mutability: 'immutable' }),
        attribute('$ref', 'The URI of the member resource.', {
          type: 'reference',
          referenceTypes: ['User', 'Group'],
          mutability: 'immutable',
        }),
        // Not in the §8.7.1 listing; GitHub emits it and Okta sends it with every member add.
        attribute('display', 'A human-readable name of the member.', { mutability: 'immutable' }),
        attribute('type', 'The type of the member resource.', {
          canonicalValues: ['User', 'Group'],
          mutability: 'immutable',
        }),
      ],
      { multiValued: true },
    ),
  ],
};
