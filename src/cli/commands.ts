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
} from '../domain/accounts/accounts.ts';
import { SEED_KINDS, SeedError, applySeed } from '../domain/seed/seed.ts';
import { seedProblems, type SeedProblem } from '../domain/seed/schema.ts';
import { importUsageCsv } from '../domain/billing/import.ts';
import { registerRunnerWithToken } from '../domain/runners/registration.ts';
import { addTeamMember, createTeam, deleteTeam, listVisibleTeams, removeTeamMember, updateTeam } from '../domain/teams/service.ts';
import { progressReporter } from './progress.ts';
import { migrateToLatest } from '../storage/migrations/index.ts';
import { openStorage } from '../storage/db.ts';
import { DEFAULTS, LOG_LEVELS, loadConfig } from '../config/config.ts';
import { CliError, withContext, type StorageFlags } from './context.ts';
import { cliEnterprise, cliOrganization, cliTeam, cliUser } from './lookups.ts';
import { ApiError } from '../errors/api-error.ts';
import { serve, type ServeFlags } from './serve.ts';

/**
 * An option whose default is worked out when the command runs (from other options or the store): `--help` shows
 * `description` as its default (see `showComputedDefaults` in main.ts).
 */
function computedDefault(option: Option, description: string): Option {
  option.defaultValueDescription = description;
  return option;
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

export function cliCommands(program: Command, storageOptions: (cmd: Command) => Command): void {
  storageOptions(program.command('serve').description('start the HTTP server (creates a demo enterprise in an empty store)'))
    .addOption(new Option('--host <host>', 'listen address').env('HOST').default(DEFAULTS.host))
    .addOption(new Option('--port <port>', 'listen port').env('PORT').default(DEFAULTS.port))
    .addOption(computedDefault(new Option('--public-url <url>', 'base of url fields, e.g. https://gh.example.com/api/v3').env('GATEHOUSE_PUBLIC_URL'), 'http://HOST:PORT'))
    .addOption(new Option('--log-level <level>', LOG_LEVELS.join('|')).env('LOG_LEVEL').default(DEFAULTS.logLevel))
    .addOption(computedDefault(new Option('--log-format <format>', 'pretty (one readable line per entry) or json').choices(['pretty', 'json']).env('GATEHOUSE_LOG_FORMAT'), 'pretty on a terminal; json otherwise'))
    .addOption(computedDefault(new Option('--instance-enterprise <slug>', 'enterprise served at /scim/v2/Users|Groups').env('GATEHOUSE_INSTANCE_ENTERPRISE'), 'first managed enterprise'))
    .option('--no-demo', 'do not create the demo enterprise in an empty store')
    .addOption(computedDefault(new Option('--no-test-controls', 'turn off the test controls under /_gatehouse/api and the console (GATEHOUSE_TEST_CONTROLS=0); for shared or production use'), 'on'))
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
    .addOption(computedDefault(new Option('--name <name>', 'display name'), 'the slug'))
    .addOption(new Option('--kind <kind>', 'classic (GHEC SCIM, a group is an org) or managed (EMU/GHES SCIM)').choices(['classic', 'managed']).default('classic'))
    .addOption(computedDefault(new Option('--shortcode <code>', 'managed-user login suffix (3–8 letters or digits)'), 'the slug\'s first 8 letters and digits'))
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
        const owner = await cliUser(ctx.db, flags.login);
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
    .addOption(computedDefault(new Option('--runner-group <name>', 'runner group name'), 'Default'))
    .option('--ephemeral', 'the runner takes one job, then is removed')
    .action((flags: StorageFlags & { enterprise: string; token: string; name: string; labels?: string; os: 'linux' | 'macos' | 'windows'; arch: string; runnerGroup?: string; ephemeral?: boolean }) =>
      withContext(flags, async (ctx) => {
        const enterprise = await cliEnterprise(ctx.db, flags.enterprise);
        const { runner: registered, credential } = await registerRunnerWithToken(ctx, {
          enterpriseSlug: enterprise.slug,
          token: flags.token,
          name: flags.name,
          labels: flags.labels === undefined ? [] : list(flags.labels),
          os: flags.os,
          architecture: flags.arch,
          runnerGroup: flags.runnerGroup,
          ephemeral: flags.ephemeral,
        }).catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 'runner_token_invalid') {
            throw new CliError(
              `the registration token is not valid for enterprise "${enterprise.slug}": it is unknown, expired (a registration token is valid for one hour), ` +
                `a remove token, or issued for another enterprise; expected a registration token from POST /enterprises/${enterprise.slug}/actions/runners/registration-token`,
            );
          }
          throw error;
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
    .addOption(computedDefault(new Option('--privacy <privacy>', 'visibility').choices(['secret', 'closed']), 'secret; closed for a child team'))
    .option('--parent <slug>', 'parent team slug')
    .action((flags: StorageFlags & { org: string; name: string; description?: string; privacy?: 'secret' | 'closed'; parent?: string }) =>
      withContext(flags, async (ctx) => {
        await cliOrganization(ctx.db, flags.org);
        const row = await createTeam(ctx, flags.org, { name: flags.name, description: flags.description, privacy: flags.privacy, parentSlug: flags.parent }, null);
        process.stdout.write(`${row.slug}\n`);
      }),
    );
  storageOptions(team.command('list').description('list an organization\'s teams, one "slug<TAB>name" per line'))
    .requiredOption('--org <login>', 'organization')
    .action((flags: StorageFlags & { org: string }) =>
      withContext(flags, async (ctx) => {
        const org = await cliOrganization(ctx.db, flags.org);
        const { teams } = await listVisibleTeams(ctx.db, org, null, 1_000_000, 0);
        for (const row of teams) process.stdout.write(`${row.slug}\t${row.name}\n`);
      }),
    );
  storageOptions(team.command('update').description('rename a team or change its description, privacy or parent; prints its slug'))
    .requiredOption('--org <login>', 'organization')
    .requiredOption('--team <slug>', 'team slug')
    .addOption(computedDefault(new Option('--name <name>', 'new name (the slug follows)'), 'unchanged'))
    .addOption(computedDefault(new Option('--description <text>', 'description'), 'unchanged'))
    .addOption(computedDefault(new Option('--privacy <privacy>', 'visibility').choices(['secret', 'closed']), 'unchanged'))
    .addOption(computedDefault(new Option('--parent <slug>', 'parent team slug'), 'unchanged'))
    .action((flags: StorageFlags & { org: string; team: string; name?: string; description?: string; privacy?: 'secret' | 'closed'; parent?: string }) =>
      withContext(flags, async (ctx) => {
        await cliTeam(ctx.db, flags.org, flags.team);
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
        await cliTeam(ctx.db, flags.org, flags.team);
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
        await cliTeam(ctx.db, flags.org, flags.team);
        await cliUser(ctx.db, flags.login);
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
        await cliTeam(ctx.db, flags.org, flags.team);
        const user = await cliUser(ctx.db, flags.login);
        await removeTeamMember(ctx, flags.org, flags.team, user.login, null).catch((error: unknown) => {
          // The team and the user exist (checked above): the one 404 left is a user who is not on the team.
          if (error instanceof ApiError && error.status === 404) {
            throw new CliError(`user "${user.login}" is neither a member of team "${flags.team}" in organization "${flags.org}" nor invited to it`);
          }
          throw error;
        });
      }),
    );

  storageOptions(program.command('seed').description('load users, enterprises, orgs, runners, usage and tokens from a YAML or JSON file; applying it again changes nothing'))
    .requiredOption('--file <file>', 'seed file (.yaml, .yml or .json)')
    .action(async (flags: StorageFlags & { file: string }) => {
      const json = flags.file.endsWith('.json');
      let text: string;
      try {
        text = fs.readFileSync(flags.file, 'utf8');
      } catch {
        throw new CliError(`cannot read ${flags.file}`);
      }
      let doc: unknown;
      try {
        doc = json ? JSON.parse(text) : YAML.parse(text);
      } catch (error) {
        throw new CliError(`${flags.file} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
      }
      // Every line names the file and the path in it. The shape is checked before the store is even opened; what
      // only the store can tell (a login already taken) fails the seed's one transaction, so nothing is written.
      const inFile = (problems: readonly SeedProblem[]): CliError => new CliError(problems.map((p) => `${flags.file}: ${p.path}: ${p.message}`).join('\n'));
      const problems = seedProblems(doc);
      if (problems.length > 0) throw inFile(problems);
      await withContext(flags, async (ctx) => {
        const result = await applySeed(ctx, doc).catch((error: unknown) => {
          throw error instanceof SeedError ? inFile(error.problems) : error;
        });
        process.stdout.write(`seeded enterprises: ${result.enterprises.join(', ') || '(none)'}\n`);
        for (const kind of SEED_KINDS) {
          const { created, present } = result.counts[kind];
          if (created + present > 0) process.stdout.write(`${kind}: ${created} created, ${present} already present\n`);
        }
        for (const t of result.tokens) {
          process.stdout.write(
            t.token === null
              ? `token for ${t.login} (${t.scopes.join(', ')}): already issued (note "${t.note}"); \`gatehouse token create\` mints another\n`
              : `token for ${t.login} (${t.scopes.join(', ')}): ${t.token}\n`,
          );
        }
      });
    });
}
