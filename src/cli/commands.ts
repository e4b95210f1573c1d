/**
 * The CLI's commands. Each prints its result on stdout (tokens alone, so `$(gatehouse token create …)` works).
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import {
  createAccessToken,
  createEnterprise,
  createOrganization,
  createUser,
  requireUserByLogin,
} from '../domain/accounts/accounts.ts';
import { applySeed, type SeedDocument } from '../domain/seed/seed.ts';
import { importUsageCsv } from '../domain/billing/import.ts';
import { registerRunnerWithToken } from '../domain/runners/registration.ts';
import { addTeamMember, createTeam, deleteTeam, listVisibleTeams, removeTeamMember, updateTeam } from '../domain/teams/service.ts';
import { requireOrganization } from '../domain/orgs/service.ts';
import { progressReporter } from './progress.ts';
import { migrateToLatest } from '../storage/migrations/index.ts';
import { openStorage } from '../storage/db.ts';
import { loadConfig } from '../config/config.ts';
import { CliError, withContext, type StorageFlags } from './context.ts';
import { serve, type ServeFlags } from './serve.ts';

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

export function cliCommands(program: Command, storageOptions: (cmd: Command) => Command): void {
  storageOptions(program.command('serve').description('start the HTTP server (creates a demo enterprise in an empty store)'))
    .addOption(new Option('--host <host>', 'listen address').env('HOST'))
    .addOption(new Option('--port <port>', 'listen port').env('PORT'))
    .addOption(new Option('--public-url <url>', 'base of url fields, e.g. https://gh.example.com/api/v3').env('GATEHOUSE_PUBLIC_URL'))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('LOG_LEVEL'))
    .addOption(new Option('--log-format <format>', 'pretty (one readable line per entry) or json; default: pretty when stdout is a terminal').choices(['pretty', 'json']).env('GATEHOUSE_LOG_FORMAT'))
    .addOption(new Option('--instance-enterprise <slug>', 'enterprise served at /scim/v2/Users|Groups').env('GATEHOUSE_INSTANCE_ENTERPRISE'))
    .option('--no-demo', 'do not create the demo enterprise in an empty store')
    .action((flags: ServeFlags) => serve(flags));

  storageOptions(program.command('migrate').description('create or update the database schema')).action(async (flags: StorageFlags) => {
    const config = loadConfig(flags);
    const storage = openStorage(config.storage, { poolSize: 1 });
    try {
      const applied = await migrateToLatest(storage);
      process.stdout.write(applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`);
    } finally {
      await storage.close();
    }
  });

  const user = program.command('user').description('manage user accounts');
  storageOptions(user.command('create').description('create a user'))
    .requiredOption('--login <login>', 'login')
    .option('--email <email>', 'email address')
    .option('--name <name>', 'display name')
    .option('--site-admin', 'make the user a site administrator')
    .action((flags: StorageFlags & { login: string; email?: string; name?: string; siteAdmin?: boolean }) =>
      withContext(flags, async (ctx) => {
        const row = await createUser(ctx, ctx.db, { login: flags.login, email: flags.email, name: flags.name, siteAdmin: flags.siteAdmin }, null);
        process.stdout.write(`${row.id}\n`);
      }),
    );

  const enterprise = program.command('enterprise').description('manage enterprises');
  storageOptions(enterprise.command('create').description('create an enterprise (with its Default runner group)'))
    .requiredOption('--slug <slug>', 'URL slug')
    .option('--name <name>', 'display name')
    .addOption(new Option('--kind <kind>', 'classic (GHEC SCIM, a group is an org) or managed (EMU/GHES SCIM)').choices(['classic', 'managed']).default('classic'))
    .option('--shortcode <code>', 'managed-user login suffix (3–8 letters or digits)')
    .option('--owner <login>', 'first enterprise owner')
    .action((flags: StorageFlags & { slug: string; name?: string; kind: 'classic' | 'managed'; shortcode?: string; owner?: string }) =>
      withContext(flags, async (ctx) => {
        const row = await createEnterprise(ctx, { slug: flags.slug, name: flags.name, kind: flags.kind, shortcode: flags.shortcode, ownerLogin: flags.owner }, null);
        process.stdout.write(`${row.slug}\n`);
      }),
    );

  const org = program.command('org').description('manage organizations');
  storageOptions(org.command('create').description('create an organization in an enterprise'))
    .requiredOption('--login <login>', 'organization login')
    .requiredOption('--enterprise <slug>', 'owning enterprise')
    .option('--owner <login>', 'first organization owner')
    .option('--name <name>', 'display name')
    .action((flags: StorageFlags & { login: string; enterprise: string; owner?: string; name?: string }) =>
      withContext(flags, async (ctx) => {
        const row = await createOrganization(ctx, { login: flags.login, name: flags.name, enterpriseSlug: flags.enterprise, adminLogin: flags.owner }, null);
        process.stdout.write(`${row.id}\n`);
      }),
    );

  const token = program.command('token').description('manage personal access tokens');
  storageOptions(token.command('create').description('mint a classic personal access token; prints the token alone'))
    .requiredOption('--login <login>', 'the token owner')
    .requiredOption('--scopes <scopes>', 'comma-separated scopes, e.g. admin:enterprise,admin:org')
    .option('--note <note>', 'what the token is for')
    .action((flags: StorageFlags & { login: string; scopes: string; note?: string }) =>
      withContext(flags, async (ctx) => {
        const owner = await requireUserByLogin(ctx.db, flags.login);
        const issued = await createAccessToken(ctx, owner, list(flags.scopes), flags.note ?? null, null);
        process.stdout.write(`${issued.token}\n`);
      }),
    );

  const runner = program.command('runner').description('self-hosted runners');
  storageOptions(runner.command('register').description('register a runner with a registration token; prints its id'))
    .requiredOption('--enterprise <slug>', 'enterprise the token belongs to')
    .requiredOption('--token <token>', 'registration token (POST /enterprises/{enterprise}/actions/runners/registration-token)')
    .requiredOption('--name <name>', 'runner name, unique in the enterprise')
    .option('--labels <labels>', 'comma-separated custom labels')
    .addOption(new Option('--os <os>', 'operating system').choices(['linux', 'macos', 'windows']).default('linux'))
    .addOption(new Option('--arch <arch>', 'architecture').choices(['x64', 'arm', 'arm64']).default('x64'))
    .option('--runner-group <name>', 'runner group name (default group when absent)')
    .option('--ephemeral', 'the runner takes one job, then is removed')
    .action((flags: StorageFlags & { enterprise: string; token: string; name: string; labels?: string; os: 'linux' | 'macos' | 'windows'; arch: string; runnerGroup?: string; ephemeral?: boolean }) =>
      withContext(flags, async (ctx) => {
        const { runner: registered, credential } = await registerRunnerWithToken(ctx, {
          enterpriseSlug: flags.enterprise,
          token: flags.token,
          name: flags.name,
          labels: flags.labels === undefined ? [] : list(flags.labels),
          os: flags.os,
          architecture: flags.arch,
          runnerGroup: flags.runnerGroup,
          ephemeral: flags.ephemeral,
        });
        process.stdout.write(`${registered.id}\n`);
        // The id alone goes to stdout for scripts; the credential the runner side needs for heartbeats and job reports
        // (POST /_services/runner/heartbeat) is shown once, on stderr.
        process.stderr.write(`runner credential (shown once): ${credential}\n`);
      }),
    );

  const usage = program.command('usage').description('billing usage ledger');
  storageOptions(usage.command('import').description('import usage from a CSV file (GitHub usage-report columns)'))
    .requiredOption('--enterprise <slug>', 'enterprise the usage belongs to')
    .argument('<file>', 'CSV file')
    .action((file: string, flags: StorageFlags & { enterprise: string }) =>
      withContext(flags, async (ctx) => {
        let size: number;
        try {
          size = fs.statSync(file).size;
        } catch {
          throw new CliError(`cannot read ${file}`);
        }
        const progress = progressReporter(size);
        try {
          const result = await importUsageCsv(ctx, flags.enterprise, fs.createReadStream(file), (rows, bytes) => progress.update(rows, bytes));
          progress.stop();
          process.stdout.write(`imported ${result.imported} usage records\n`);
        } catch (error) {
          progress.stop();
          throw error;
        }
      }),
    );

  const team = program.command('team').description('organization teams');
  storageOptions(team.command('create').description('create a team; prints its slug'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--name <name>', 'team name')
    .option('--description <text>', 'description')
    .addOption(new Option('--privacy <privacy>', 'visibility').choices(['secret', 'closed']))
    .option('--parent <slug>', 'parent team slug')
    .action((flags: StorageFlags & { org: string; name: string; description?: string; privacy?: 'secret' | 'closed'; parent?: string }) =>
      withContext(flags, async (ctx) => {
        const row = await createTeam(ctx, flags.org, { name: flags.name, description: flags.description, privacy: flags.privacy, parentSlug: flags.parent }, null);
        process.stdout.write(`${row.slug}\n`);
      }),
    );
  storageOptions(team.command('list').description('list an organization\'s teams, one "slug<TAB>name" per line'))
    .requiredOption('--org <login>', 'organization')
    .action((flags: StorageFlags & { org: string }) =>
      withContext(flags, async (ctx) => {
        const org = await requireOrganization(ctx.db, flags.org);
        const { teams } = await listVisibleTeams(ctx.db, org, null, 1_000_000, 0);
        for (const row of teams) process.stdout.write(`${row.slug}\t${row.name}\n`);
      }),
    );
  storageOptions(team.command('update').description('rename a team or change its description, privacy or parent; prints its slug'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--team <slug>', 'team slug')
    .option('--name <name>', 'new name (the slug follows)')
    .option('--description <text>', 'description')
    .addOption(new Option('--privacy <privacy>', 'visibility').choices(['secret', 'closed']))
    .option('--parent <slug>', 'parent team slug')
    .action((flags: StorageFlags & { org: string; team: string; name?: string; description?: string; privacy?: 'secret' | 'closed'; parent?: string }) =>
      withContext(flags, async (ctx) => {
        const row = await updateTeam(
          ctx,
          flags.org,
          flags.team,
          { name: flags.name, description: flags.description, privacy: flags.privacy, parent: flags.parent === undefined ? undefined : { slug: flags.parent } },
          null,
        );
        process.stdout.write(`${row.slug}\n`);
      }),
    );
  storageOptions(team.command('delete').description('delete a team (and its child teams)'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--team <slug>', 'team slug')
    .action((flags: StorageFlags & { org: string; team: string }) =>
      withContext(flags, async (ctx) => {
        await deleteTeam(ctx, flags.org, flags.team, null);
      }),
    );
  storageOptions(team.command('add-member').description('add a user to a team (an organization member joins at once)'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--team <slug>', 'team slug')
    .requiredOption('--login <login>', 'user')
    .addOption(new Option('--role <role>', 'team role').choices(['member', 'maintainer']).default('member'))
    .action((flags: StorageFlags & { org: string; team: string; login: string; role: 'member' | 'maintainer' }) =>
      withContext(flags, async (ctx) => {
        const { membership } = await addTeamMember(ctx, flags.org, flags.team, flags.login, flags.role, null);
        process.stdout.write(`${membership.state}\n`);
      }),
    );
  storageOptions(team.command('remove-member').description('remove a user from a team'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--team <slug>', 'team slug')
    .requiredOption('--login <login>', 'user')
    .action((flags: StorageFlags & { org: string; team: string; login: string }) =>
      withContext(flags, async (ctx) => {
        await removeTeamMember(ctx, flags.org, flags.team, flags.login, null);
      }),
    );

  storageOptions(program.command('seed').description('load users, enterprises, orgs, runners and usage from a YAML or JSON file'))
    .requiredOption('--file <file>', 'seed file (.yaml, .yml or .json)')
    .action((flags: StorageFlags & { file: string }) =>
      withContext(flags, async (ctx) => {
        let text: string;
        try {
          text = fs.readFileSync(flags.file, 'utf8');
        } catch {
          throw new CliError(`cannot read ${flags.file}`);
        }
        let doc: unknown;
        try {
          doc = flags.file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
        } catch (error) {
          throw new CliError(`${flags.file} is not valid ${flags.file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
        }
        const result = await applySeed(ctx, doc as SeedDocument);
        process.stdout.write(`seeded enterprises: ${result.enterprises.join(', ') || '(none)'}\n`);
        for (const t of result.tokens) process.stdout.write(`token for ${t.login} (${t.scopes.join(', ')}): ${t.token}\n`);
      }),
    );
}
