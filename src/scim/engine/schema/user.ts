/** The core User schema, RFC 7643 §4.1 and its representation in §8.7.1. */
import { attribute, complexAttribute, pluralAttribute } from './define.ts';
import type { ScimSchema } from './types.ts';

export const USER_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:User';

export const USER_SCHEMA: ScimSchema = {
  id: USER_SCHEMA_ID,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'Unique identifier for the User, typically used to authenticate.', {
      required: true,
      uniqueness: 'server',
    }),
    complexAttribute('name', "The components of the user's real name.", [
      attribute('formatted', 'The full name, formatted for display.'),
      attribute('familyName', 'The family name, or last name.'),
      attribute('givenName', 'The given name, or first name.'),
      attribute('middleName', 'The middle name(s).'),
      attribute('honorificPrefix', 'The honorific prefix(es), or title (e.g. "Ms.").'),
      attribute('honorificSuffix', 'The honorific suffix(es) (e.g. "III").'),
    ]),
    attribute('displayName', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'The casual way to address the user.'),
    attribute('profileUrl', "A fully qualified URL pointing to the User's online profile.", {
      type: 'reference',
      referenceTypes: ['external'],
    }),
    attribute('title', "The user's title, such as \"Vice President\"."),
    attribute('userType', 'The relationship between the organization and the user (e.g. "Employee").'),
    attribute('preferredLanguage', "The User's preferred written or spoken language (RFC 7231 §5.3.5)."),
    attribute('locale', "The User's default location for localization (e.g. \"en-US\")."),
    attribute('timezone', "The User's time zone in IANA Time Zone database format."),
    attribute('active', "The User's administrative status.", { type: 'boolean' }),
    attribute('password', "The User's cleartext password; never returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    pluralAttribute('emails', 'Email addresses for the user.', {
      valueDescription: 'An email address, canonicalized as specified by RFC 5321.',
      typeValues: ['work', 'home', 'other'],
    }),
    pluralAttribute('phoneNumbers', 'Phone numbers for the User.', {
      valueDescription: 'A phone number, as specified by RFC 3966.',
      typeValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
    }),
    pluralAttribute('ims', 'Instant messaging addresses for the User.', {
      valueDescription: 'An instant messaging address.',
      typeValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
    }),
    pluralAttribute('photos', 'URLs of photos of the User.', {
      valueType: 'reference',
      referenceTypes: ['external'],
      valueDescription: 'URL of a photo of the User.',
      typeValues: ['photo', 'thumbnail'],
    }),
    complexAttribute(
      'addresses',
      'A physical mailing address for this User.',
      [
        attribute('formatted', 'The full mailing address, formatted for display.'),
        attribute('streetAddress', 'The full street address component.'),
        attribute('locality', 'The city or locality component.'),
        attribute('region', 'The state or region component.'),
        attribute('postalCode', 'The zip code or postal code component.'),
        attribute('country', 'The country name component (ISO 3166-1 alpha-2).'),
        attribute('type', "A label indicating the attribute's function.", {
          canonicalValues: ['work', 'home', 'other'],
        }),
        // §8.7.1 omits it from the listing, but §2.4 gives every plural attribute a `primary`.
        attribute('primary', 'Whether this is the primary address.', { type: 'boolean' }),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'groups',
      'Groups to which the user belongs, maintained by the service provider.',
      [
        attribute('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', 'The URI of the Group resource.', {
          type: 'reference',
          referenceTypes: ['User', 'Group'],
          mutability: 'readOnly',
        }),
        attribute('display', 'A human-readable name of the group.', { mutability: 'readOnly' }),
        attribute('type', 'How the membership was derived.', {
          canonicalValues: ['direct', 'indirect'],
          mutability: 'readOnly',
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    pluralAttribute('entitlements', 'Entitlements for the User.', { valueDescription: 'The value of an entitlement.' }),
    pluralAttribute('roles', 'Roles for the User.', { valueDescription: 'The value of a role.' }),
    pluralAttribute('x509Certificates', 'X.509 certificates issued to the User.', {
      valueType: 'binary',
      valueDescription: 'The DER-encoded, base64 value of an X.509 certificate.',
    }),
  ],
};
