/** The Enterprise User extension, RFC 7643 §4.3 and its representation in §8.7.1. */
import { attribute, complexAttribute } from './define.ts';
import type { ScimSchema } from './types.ts';

export const ENTERPRISE_USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export const ENTERPRISE_USER_SCHEMA: ScimSchema = {
  id: ENTERPRISE_USER_SCHEMA_ID,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute('employeeNumber', 'Identifier assigned to a person, typically based on order of hire.'),
    attribute('costCenter', 'Identifies the name of a cost center.'),
    attribute('organization', 'Identifies the name of an organization.'),
    attribute('division', 'Identifies the name of a division.'),
    attribute('department', 'Identifies the name of a department.'),
    complexAttribute("manager", "The User's manager.", [
      attribute('value', 'The id of the SCIM resource representing the manager.'),
      attribute('$ref', 'The URI of the SCIM resource representing the manager.', {
        type: 'reference',
        referenceTypes: ['User'],
      }),
      attribute('displayName', "The displayName of the User's manager.", { mutability: 'readOnly' }),
    ]),
  ],
};
