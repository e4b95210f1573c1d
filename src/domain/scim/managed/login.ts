/**
 * GitHub logins of managed (EMU / GHES SCIM) accounts, derived from the SCIM `userName` as GitHub documents in
 * "Username considerations for external authentication" (github-semantics.md §3.3):
 * - `DOMAIN\user` keeps the part after `\`; an email address keeps the part before `@`; Entra's guest suffix
 *   `#EXT#` is dropped;
 * - every character that is not an ASCII letter or digit becomes `-`; letter case is kept;
 * - a result that starts or ends with `-` or contains `--` is rejected, not repaired (`!The.Octocat` and
 *   `The!!Octocat` fail);
 * - `_<shortcode>` is appended (`The.Octocat` → `The-Octocat_octo`); over 39 characters in all is rejected (400).
 * Suspended accounts get a hash-based handle instead (§3.3 "renames the user to a hash of the original username").
 */
import crypto from 'node:crypto';
import { ScimError } from '../../../scim/engine/index.ts';

/** GitHub's login length limit, `_shortcode` included. */
export const MAX_LOGIN_LENGTH = 39;

/**
 * The login a managed account gets for `userName`.
 *
 * @param userName - the SCIM userName as sent
 * @param shortcode - the enterprise's shortcode
 * @throws ScimError 400 `invalidValue` for names GitHub rejects
 */
export function managedLogin(userName: string, shortcode: string): string {
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
  const login = `${normalized}_${shortcode}`;
  if (login.length > MAX_LOGIN_LENGTH) {
    throw ScimError.invalidValue(`userName "${userName}" gives the username "${login}", longer than ${MAX_LOGIN_LENGTH} characters`);
  }
  return login;
}

function digest(enterpriseId: number, login: string): string {
  return crypto.createHash('sha256').update(`${enterpriseId}:${login.toLowerCase()}`).digest('hex');
}

/** The handle a suspended or deprovisioned account carries: a hash of its login, with the shortcode. */
export function obfuscatedLogin(enterpriseId: number, login: string, shortcode: string): string {
  return `${digest(enterpriseId, login).slice(0, 20)}_${shortcode}`;
}

/** The email a suspended or deprovisioned account carries (the `.invalid` TLD cannot receive mail, RFC 2606). */
export function obfuscatedEmail(enterpriseId: number, login: string): string {
  return `${digest(enterpriseId, login).slice(0, 20)}@obfuscated.invalid`;
}
