/**
 * The web console, `/_gatehouse/` (README "Console"): one page and its scripts, served without authentication (nothing
 * in them is sensitive; the page asks for a site administrator's token and keeps it in sessionStorage), and the
 * console's read-only data routes under `/_gatehouse/api/console/…`, for site administrators with the `site_admin`
 * scope like the rest of the control API (404 to everyone else). Installed with the test controls, absent without.
 *
 * No build step: the page is plain ES modules (web/console/), Preact, htm and uPlot are served from node_modules as
 * they ship, and an import map names them. The Content-Security-Policy allows scripts from this origin only, plus the
 * import map by its hash (https://www.w3.org/TR/CSP3/#external-hash does not cover import maps; an inline import map
 * is allowed by a 'sha256-…' source: https://html.spec.whatwg.org/multipage/webappapis.html#import-maps).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { authenticateToken } from '../domain/accounts/accounts.ts';
import { notFound, validationFailed } from '../errors/api-error.ts';
import { consoleAuditTrail, consoleBilling, consoleIdentities, consoleRunners, findConsoleEnterprise, listConsoleEnterprises } from './read-model.ts';

const ROOT = '/_gatehouse/';
const ASSETS = '/_gatehouse/console/';
const DATA = '/_gatehouse/api/console';

interface Asset {
  file: string;
  type: string;
}

/** web/console/ in the package: beside src/ in a checkout, beside dist/ in an install (both are one level down). */
function webDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const candidate = path.join(dir, 'web', 'console');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('gatehouse console: web/console/index.html not found beside the server');
}

/** A dependency's file, found the way Node finds the package (so a hoisted or nested node_modules both work). */
function dependencyFile(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

function vendorAssets(): Record<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const uplotCss = dependencyFile('uplot/dist/uPlot.min.css');
  return {
    'vendor/preact.js': { file: dependencyFile('preact'), type: js },
    'vendor/preact-hooks.js': { file: dependencyFile('preact/hooks'), type: js },
    'vendor/htm.js': { file: dependencyFile('htm'), type: js },
    // uPlot's "exports" give Node its CommonJS build; the browser takes the ES module beside it.
    'vendor/uplot.js': { file: path.join(path.dirname(uplotCss), 'uPlot.esm.js'), type: js },
    'vendor/uplot.css': { file: uplotCss, type: 'text/css; charset=utf-8' },
  };
}

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: './console/vendor/preact.js',
    'preact/hooks': './console/vendor/preact-hooks.js',
    htm: './console/vendor/htm.js',
    uplot: './console/vendor/uplot.js',
  },
});

function contentSecurityPolicy(importMapHash: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${importMapHash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

const SCIM_ID = /^[A-Za-z0-9-]{1,100}$/;

export function consoleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const web = webDir();
  const assets: Record<string, Asset> = { ...vendorAssets() };
  for (const name of fs.readdirSync(web)) {
    const ext = /^[a-z][a-z0-9-]*\.(js|css)$/.exec(name)?.[1];
    if (ext !== undefined) assets[name] = { file: path.join(web, name), type: ext === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' };
  }
  const page = fs.readFileSync(path.join(web, 'index.html'), 'utf8').replace('<!--IMPORTMAP-->', `<script type="importmap">${IMPORT_MAP}</script>`);
  const csp = contentSecurityPolicy(crypto.createHash('sha256').update(IMPORT_MAP).digest('base64'));
  const config = { auth: false };

  const secure = (reply: FastifyReply): FastifyReply =>
    reply.header('content-security-policy', csp).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');

  app.get('/_gatehouse', { config }, async (_request, reply) => reply.redirect(ROOT, 301));
  app.get(ROOT, { config }, async (_request, reply) => secure(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page));
  // Each asset's bytes and gzip form, kept until the file changes (an edited page shows on reload while developing).
  const cache = new Map<string, { mtimeMs: number; etag: string; plain: Buffer; gzip: Buffer }>();
  async function load(asset: Asset) {
    const { mtimeMs } = await fs.promises.stat(asset.file);
    const cached = cache.get(asset.file);
    if (cached?.mtimeMs === mtimeMs) return cached;
    const plain = await fs.promises.readFile(asset.file);
    const entry = { mtimeMs, etag: `"${crypto.createHash('sha1').update(plain).digest('hex').slice(0, 16)}"`, plain, gzip: zlib.gzipSync(plain) };
    cache.set(asset.file, entry);
    return entry;
  }

  app.get<{ Params: { '*': string } }>(`${ASSETS}*`, { config }, async (request, reply) => {
    const asset = Object.hasOwn(assets, request.params['*']) ? assets[request.params['*']] : undefined;
    if (asset === undefined) throw notFound();
    const file = await load(asset);
    secure(reply).header('cache-control', 'no-cache').header('etag', file.etag).header('vary', 'accept-encoding').type(asset.type);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.plain);
  });

  /** Site administrators with `site_admin`, as the control API (src/control/routes.ts); everyone else gets 404. */
  async function admit(request: FastifyRequest): Promise<void> {
    const match = /^\s*(?:bearer|token)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const principal = match?.[1] === undefined ? undefined : await authenticateToken(ctx, match[1]);
    if (principal === undefined || principal.user.site_admin !== 1 || !principal.scopes.has('site_admin')) throw notFound();
    request.principal = principal;
  }

  async function enterprise(slug: string) {
    const found = await findConsoleEnterprise(ctx, slug);
    if (found === undefined) throw notFound();
    return found;
  }

  app.get(`${DATA}/session`, { config }, async (request) => {
    await admit(request);
    const principal = request.principal;
    return { login: principal?.user.login ?? null, scopes: principal === null ? [] : [...principal.scopes].sort() };
  });

  app.get(`${DATA}/enterprises`, { config }, async (request) => {
    await admit(request);
    return { enterprises: await listConsoleEnterprises(ctx) };
  });

  app.get<{ Params: { enterprise: string } }>(`${DATA}/enterprises/:enterprise/identities`, { config }, async (request) => {
    await admit(request);
    return consoleIdentities(ctx, await enterprise(request.params.enterprise));
  });

  app.get<{ Params: { enterprise: string; scimId: string } }>(`${DATA}/enterprises/:enterprise/identities/:scimId/audit`, { config }, async (request) => {
    await admit(request);
    const found = await enterprise(request.params.enterprise);
    if (!SCIM_ID.test(request.params.scimId)) throw validationFailed([{ resource: 'Identity', field: 'id', code: 'invalid', message: 'id must be a SCIM id' }]);
    return { events: await consoleAuditTrail(ctx, found, request.params.scimId) };
  });

  app.get<{ Params: { enterprise: string } }>(`${DATA}/enterprises/:enterprise/runners`, { config }, async (request) => {
    await admit(request);
    return { groups: await consoleRunners(ctx, await enterprise(request.params.enterprise)) };
  });

  app.get<{ Params: { enterprise: string } }>(`${DATA}/enterprises/:enterprise/billing`, { config }, async (request) => {
    await admit(request);
    return consoleBilling(ctx, await enterprise(request.params.enterprise));
  });
}
