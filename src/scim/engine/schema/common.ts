/**
 * Attributes every resource carries besides its schemas' own (RFC 7643 §3, §3.1). They belong to no
 * schema URN, so `/Schemas` does not list them, yet filters, PATCH and projection resolve them.
 */
import { attribute, complexAttribute } from './define.ts';
import type { AttributeDefinition } from './types.ts';

/**
 * `schemas` (RFC 7643 §3). URNs compare case-insensitively here because clients vary the case of
 * the `urn:` prefix and IdP-specific URNs alike.
 */
export const SCHEMAS_ATTRIBUTE: AttributeDefinition = attribute(
  'schemas',
  'URIs of the schemas that define the attributes present in the resource.',
  { type: 'reference', referenceTypes: ['uri'], multiValued: true, required: true, returned: 'always' },
);

export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('id', 'Unique, stable identifier of the resource, issued by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', 'Identifier of the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  complexAttribute(
    'meta',
    'Resource metadata maintained by the service provider.',
    [
      attribute('resourceType', 'Name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'When the resource was added to the service provider.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attribute('lastModified', 'When the resource was last updated.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('location', 'URI of the resource.', {
        type: 'reference',
        referenceTypes: ['uri'],
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('version', 'Version (entity tag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
    { mutability: 'readOnly' },
  ),
];
