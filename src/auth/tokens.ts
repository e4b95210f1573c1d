/**
 * Token formats. Personal access tokens follow GitHub's classic format: `ghp_` + 30 random base62 characters +
 * a 6-character base62 CRC32 checksum of those 30 characters (40 characters in all), so secret scanners and
 * clients that sanity-check the shape accept them. Tokens are stored only as SHA-256 hashes.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomFrom(alphabet: string, length: number): string {
  // Rejection sampling keeps the distribution uniform for alphabets whose size does not divide 256.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

function base62(value: number, width: number): string {
  let n = value;
  let out = '';
  while (n > 0) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, '0');
}

/** Computes the 6-character checksum of a token body. */
function checksum(body: string): string {
  return base62(zlib.crc32(body), 6);
}

/** Generates a classic personal access token (`ghp_…`). */
export function generatePersonalAccessToken(): string {
  const body = randomFrom(BASE62, 30);
  return `ghp_${body}${checksum(body)}`;
}

/** True when the string has the shape and a valid checksum of a GitHub-format token with the given prefix. */
export function hasValidChecksum(token: string, prefix = 'ghp_'): boolean {
  if (!token.startsWith(prefix) || token.length !== prefix.length + 36) return false;
  const rest = token.slice(prefix.length);
  if (!/^[0-9A-Za-z]{36}$/.test(rest)) return false;
  return checksum(rest.slice(0, 30)) === rest.slice(30);
}

/** Registration and remove tokens: 29 upper-case base32 characters, as in GitHub's examples. */
export function generateRunnerToken(): string {
  return randomFrom(BASE32, 29);
}

/** Opaque credential handed to the runner side after registration. */
export function generateRunnerCredential(): string {
  return `ghr_${randomFrom(BASE62, 36)}`;
}

/** SHA-256 of a token, hex: what is stored and looked up. `crypto.hash` is the one-shot form (a quarter of the cost). */
export function hashToken(token: string): string {
  return crypto.hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
