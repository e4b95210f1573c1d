/**
 * The demo that `serve` creates in an empty store, so a newcomer has an enterprise, organizations, runners, a runner
 * group, some usage and an owner token to try straight away.
 */
import type { SeedDocument } from './seed.ts';

export function demoSeed(today: Date): SeedDocument {
  const day = (offset: number): string => {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), Math.max(1, today.getUTCDate() - offset)));
    return d.toISOString().slice(0, 10);
  };
  return {
    users: [
      { login: 'demo-admin', name: 'Demo Site Admin', email: 'admin@acme.example', site_admin: true },
      { login: 'mona', name: 'Mona Lisa', email: 'mona@acme.example' },
      { login: 'hubot', name: 'Hubot', email: 'hubot@acme.example' },
      { login: 'billie', name: 'Billie Manager', email: 'billie@acme.example' },
    ],
    enterprises: [
      {
        slug: 'acme',
        name: 'Acme Corp',
        kind: 'classic',
        owners: ['mona'],
        billing_managers: ['billie'],
        organizations: [
          { login: 'acme-eng', name: 'Acme Engineering', owners: ['mona'], members: ['hubot'] },
          { login: 'acme-ops', name: 'Acme Operations', owners: ['mona'] },
        ],
        runner_groups: [{ name: 'gpu-runners', visibility: 'selected', organizations: ['acme-eng'] }],
        runners: [
          { name: 'linux-builder-1', os: 'linux', labels: ['docker'], online: true },
          { name: 'linux-builder-2', os: 'linux', labels: ['docker'] },
          { name: 'mac-signing', os: 'macos', labels: ['signing'], online: true },
          { name: 'gpu-a100', os: 'linux', labels: ['gpu', 'cuda'], group: 'gpu-runners', online: true },
        ],
        usage: [
          { date: day(3), product: 'actions', sku: 'UBUNTU', quantity: 1200, unitType: 'minutes', organizationName: 'acme-eng', repositoryName: 'acme-eng/api' },
          { date: day(2), product: 'actions', sku: 'WINDOWS', quantity: 300, unitType: 'minutes', organizationName: 'acme-eng', repositoryName: 'acme-eng/desktop' },
          { date: day(2), product: 'actions', sku: 'MACOS', quantity: 90, unitType: 'minutes', organizationName: 'acme-ops', repositoryName: 'acme-ops/ios' },
          { date: day(1), product: 'actions', sku: 'ubuntu_8_core', quantity: 45, unitType: 'minutes', organizationName: 'acme-eng', repositoryName: 'acme-eng/ml' },
          { date: day(1), product: 'packages', sku: 'bandwidth', quantity: 12, unitType: 'gigabytes', organizationName: 'acme-eng' },
          { date: day(1), product: 'packages', sku: 'storage', quantity: 2400, unitType: 'gigabyte_hours', organizationName: 'acme-eng' },
        ],
      },
      { slug: 'acme-emu', name: 'Acme Managed', kind: 'managed', shortcode: 'acme', owners: ['mona'], organizations: [{ login: 'acme-platform', owners: ['mona'] }] },
    ],
    tokens: [
      { login: 'mona', scopes: ['admin:enterprise', 'admin:org', 'read:audit_log'], note: 'demo owner token' },
      { login: 'demo-admin', scopes: ['site_admin', 'admin:enterprise', 'admin:org'], note: 'demo site admin token' },
    ],
  };
}
