/**
 * GitHub logins of SCIM-provisioned accounts, derived from the SCIM `userName` as GitHub documents in "Username
 * considerations for external authentication" (https://docs.github.com/enterprise-cloud@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication
 * for Enterprise Managed Users, https://docs.github.com/enterprise-server@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication
 * for GitHub Enterprise Server):
 * - `DOMAIN\user` keeps the part after `\`; an email address keeps the part before `@`; Entra's guest suffix
 *   `#EXT#` is dropped;
 * - every character that is not an ASCII letter or digit becomes `-`; letter case is kept;
 * - a result that starts or ends with `-` or contains `--` is rejected, not repaired (`!The.Octocat` and
 *   `The!!Octocat` fail);
 * - Enterprise Managed Users append `_<shortcode>` (`The.Octocat` → `The-Octocat_octo`); GitHub Enterprise Server
 *   has no shortcode and appends nothing (`E012345` → `E012345`);
 * - over 39 characters in all (`_shortcode` included) is rejected (400).
 * Suspended accounts get a hash-based handle instead ("renames the user to a hash of the original username", with
 * the shortcode on EMU; https://docs.github.com/enterprise-cloud@latest/admin/managing-iam/understanding-iam-for-enterprises/deprovisioning-and-reinstating-users).
 */
import crypto from 'node:crypto';
import { ScimError } from '../../../scim/engine/index.ts';

/** GitHub's login length limit, `_shortcode` included. */
export const MAX_LOGIN_LENGTH = 39;

/**
 * Which product's rules name an account: `emu` (Enterprise Managed Users, `/scim/v2/enterprises/{enterprise}` on a
 * managed enterprise: `_shortcode` appended) or `ghes` (the instance's own SCIM, `/scim/v2` and `/api/v3/scim/v2`:
 * nothing appended, and an existing account of that login is linked rather than a new one created).
 */
export type ManagedProduct = 'emu' | 'ghes';

/**
 * `userName` normalized to GitHub's username characters, without any suffix.
 *
 * @param userName - the SCIM userName as sent
 * @throws ScimError 400 `invalidValue` for names GitHub rejects
 */
export function normalizedUserName(userName: string): string {
  let base = userName.trim();
  const backslash = base.lastIndexOf('\\');
  if (backslash >= 0) base = base.slice(backslash + 1);
  const at = base.indexOf('@');
  if (at >= 0) base = base.slice(0, at);
  base = base.replace(/#EXT#$/i, '');
  const normalized = base.replace(/[^A-Za-z0-9]/g, '-');
  if (normalized === '' || normalized.startsWith('-') || normalized.endsWith('-') || normalized.includes('--')) {
    throw ScimError.invalidValue(
      `userName "${userName}" normalizes to "${normalized}", which is not a valid GitHub username (it may not be empty, start or end with "-", or contain "--")`,
    );
  }
  return normalized;
}

function checkedLength(userName: string, login: string): string {
  if (login.length > MAX_LOGIN_LENGTH) {
    throw ScimError.invalidValue(`userName "${userName}" gives the username "${login}", longer than ${MAX_LOGIN_LENGTH} characters`);
  }
  return login;
}

/**
 * The login an Enterprise Managed Users account gets for `userName`: normalized, then `_<shortcode>`.
 *
 * @param userName - the SCIM userName as sent
 * @param shortcode - the enterprise's shortcode
 * @throws ScimError 400 `invalidValue` for names GitHub rejects
 */
export function managedLogin(userName: string, shortcode: string): string {
  return checkedLength(userName, `${normalizedUserName(userName)}_${shortcode}`);
}

/**
 * The login a GitHub Enterprise Server account gets (or already has, when it is linked) for `userName`: normalized
 * as for SAML, nothing appended.
 *
 * @param userName - the SCIM userName as sent
 * @throws ScimError 400 `invalidValue` for names GitHub rejects
 */
export function instanceLogin(userName: string): string {
  return checkedLength(userName, normalizedUserName(userName));
}

/** The login `userName` gives under `product`'s rules. */
export function loginFor(product: ManagedProduct, userName: string, shortcode: string): string {
  return product === 'ghes' ? instanceLogin(userName) : managedLogin(userName, shortcode);
}

/**
 * The product whose rules named an identity's account, from the login it reserves (`scim_users.login_lower`): EMU
 * logins end in `_<shortcode>`; GHES logins never contain `_` (normalization turns it into `-`). An identity keeps
 * the rules it was provisioned under, whichever path later reads or changes it.
 */
export function productOfReservedLogin(loginLower: string | null): ManagedProduct {
  return loginLower !== null && !loginLower.includes('_') ? 'ghes' : 'emu';
}

function digest(enterpriseId: number, login: string): string {
  return crypto.createHash('sha256').update(`${enterpriseId}:${login.toLowerCase()}`).digest('hex');
}

/**
 * The handle a suspended or deprovisioned account carries: a hash of its login, with `_<shortcode>` on EMU (GHES,
 * `shortcode` null, has none).
 */
export function obfuscatedLogin(enterpriseId: number, login: string, shortcode: string | null): string {
  const hash = digest(enterpriseId, login).slice(0, 20);
  return shortcode === null ? hash : `${hash}_${shortcode}`;
}

/** The email a suspended or deprovisioned account carries (the `.invalid` TLD cannot receive mail, RFC 2606). */
export function obfuscatedEmail(enterpriseId: number, login: string): string {
  return `${digest(enterpriseId, login).slice(0, 20)}@obfuscated.invalid`;
}
