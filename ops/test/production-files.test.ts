/**
 * The production files (Dockerfile, ops/compose.yaml, ops/k8s/*.yaml) against the code: every
 * role is deployed, probes hit /health and /ready, HPAs only scale stateless roles, and — above
 * all — every environment variable they hand the platform is one the code reads, with values
 * loadConfig accepts. Static: no network, no Docker engine, no cluster.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, KNOWN_ROLES, loadConfig } from '@booking/shared-kernel';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** variables the code reads: `env.NAME`, `env['NAME']` and the names passed as 'NAME' to the parsers */
function variablesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  for (const file of [
    'shared-kernel/src/config.ts',
    'shared-kernel/src/effects-config.ts',
    'shared-kernel/src/observability-config.ts',
  ]) {
    const src = read(file);
    for (const m of src.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
    for (const m of src.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})'/g)) names.add(m[1]!);
  }
  return names;
}
const CODE_VARS = variablesTheCodeReads();
const ROLES = [...KNOWN_ROLES].sort();
const STATELESS = ['command', 'read-api', 'reactor'];
const VALID_SECRET = 'x'.repeat(48);

// ---- compose ------------------------------------------------------------------------------------
const compose = obj(parse(read('ops/compose.yaml'), { merge: true }));
const services = obj(compose.services);
const platformServices = Object.entries(services)
  .map(([name, s]) => [name, obj(s)] as const)
  .filter(([, s]) => s.image === 'booking-platform:local');

function composeEnv(service: Obj): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => String(e).split(/=(.*)/s).slice(0, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries(obj(env)).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
/** `${NAME:?msg}` / `${NAME:-default}` as compose would resolve them with `given` in the shell */
function interpolate(value: string, given: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, rest?: string) => {
    const v = given[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose would stop: ${name} unset (${rest ?? ''})`);
    return op === '-' ? (rest ?? '') : '';
  });
}

// ---- k8s ----------------------------------------------------------------------------------------
const k8sDir = path.join(root, 'ops/k8s');
const k8sFiles = fs
  .readdirSync(k8sDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const k8s = k8sFiles
  .flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(k8sDir, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join('; ')}`);
      return { file, doc: obj(doc.toJS()) };
    }),
  )
  .filter(({ doc }) => Object.keys(doc).length > 0);
const ofKind = (kind: string) => k8s.map(({ doc }) => doc).filter((d) => d.kind === kind);
const named = (kind: string, name: string) => ofKind(kind).find((d) => obj(d.metadata).name === name);
const podSpec = (d: Obj) => obj(obj(obj(d.spec).template).spec);
const containers = (d: Obj) => arr(podSpec(d).containers).map(obj);
const platformDeployments = ofKind('Deployment').filter((d) =>
  containers(d).some((c) => String(c.image).includes('booking-platform')),
);
const roleOf = (c: Obj) =>
  String(
    obj(
      arr(c.env)
        .map(obj)
        .find((e) => e.name === 'ROLES'),
    ).value,
  );

/** the environment a platform container gets: envFrom ConfigMaps/Secrets, then env */
function k8sEnv(c: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of arr(c.envFrom).map(obj)) {
    const cm = obj(from.configMapRef).name;
    const secret = obj(from.secretRef).name;
    const source = cm ? named('ConfigMap', String(cm)) : named('Secret', String(secret));
    if (!source) throw new Error(`envFrom ${String(cm ?? secret)} is not defined in ops/k8s`);
    const data = { ...obj(source.data), ...obj(source.stringData) };
    for (const [k, v] of Object.entries(data)) env[k] = String(v);
  }
  for (const e of arr(c.env).map(obj)) env[String(e.name)] = String(e.value ?? '');
  return env;
}

describe('environment variables', () => {
  it('the code-side list was found (sanity)', () => {
    for (const v of [
      'ROLES',
      'NODE_ENV',
      'EVENTSTORE_URL',
      'MONGODB_URL',
      'KAFKA_BROKERS',
      'JWT_SECRET',
      'DEMO_DATA',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'SMTP_URL',
      'PORT',
    ]) {
      expect(CODE_VARS, v).toContain(v);
    }
  });

  it('compose hands the platform only variables the code reads, with values loadConfig accepts', () => {
    expect(platformServices.length).toBeGreaterThan(0);
    for (const [name, service] of platformServices) {
      const env = composeEnv(service);
      for (const key of Object.keys(env)) expect(CODE_VARS, `compose ${name}: ${key}`).toContain(key);
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, interpolate(v, { JWT_SECRET: VALID_SECRET })]),
      );
      const config = loadConfig(resolved);
      expect(config.env).toBe('production');
      expect(config.demoData).toBe(false);
      expect(config.eventStoreUrl).not.toBeNull();
      expect(config.mongodbUrl).not.toBeNull();
      expect(config.kafkaBrokers).not.toBeNull();
      expect(config.effects.s3?.endpoint).toBeTruthy();
      expect(config.effects.smtpUrl).not.toBeNull();
      // the secret comes from outside, never from the file
      expect(env.JWT_SECRET, `compose ${name}: JWT_SECRET`).toMatch(/^\$\{JWT_SECRET:\?/);
    }
  });

  it('k8s hands the platform only variables the code reads, with values loadConfig accepts', () => {
    expect(platformDeployments.length).toBeGreaterThan(0);
    for (const d of platformDeployments) {
      for (const c of containers(d)) {
        const env = k8sEnv(c);
        for (const key of Object.keys(env))
          expect(CODE_VARS, `k8s ${String(obj(d.metadata).name)}: ${key}`).toContain(key);
        const config = loadConfig({ ...env, JWT_SECRET: VALID_SECRET });
        expect(config.env).toBe('production');
        expect(config.demoData).toBe(false);
        expect(config.eventStoreUrl && config.mongodbUrl && config.kafkaBrokers).toBeTruthy();
        // the placeholder secret is refused at start: forgetting to replace it fails closed
        expect(() => loadConfig(env)).toThrow(ConfigError);
      }
    }
  });

  it('the Dockerfile runtime stage sets only variables the code reads', () => {
    const runtime = read('Dockerfile')
      .split(/^FROM /m)
      .at(-1)!;
    const names = [...runtime.matchAll(/^ENV\s+((?:.*\\\n)*.*)$/gm)].flatMap((m) =>
      [...m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((n) => n[1]!),
    );
    expect(names).toContain('NODE_ENV');
    for (const n of names) expect(CODE_VARS, `Dockerfile ENV ${n}`).toContain(n);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds on node:20-bookworm with a toolchain and runs ops/platform/main.ts, bundled, on a slim image as non-root', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/^node:20-bookworm\b/);
    expect(stages[0]).toMatch(/python3/);
    expect(stages[0]).toMatch(/\bg\+\+/);
    expect(stages[0]).toMatch(/npm ci\b/);
    expect(stages[0]).toMatch(/build -w ui|npm ci(?![^\n]*--ignore-scripts)/);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^node:20-bookworm-slim\b/);
    expect(runtime).toMatch(/^ENV NODE_ENV=production\b/m);
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^HEALTHCHECK\b[\s\S]*\/health/m);
    const cmds = [...dockerfile.matchAll(/^CMD\s+(\[.*\])\s*$/gm)];
    // the bundle of ops/platform/main.ts that the build stage writes, as `npm start` runs it
    const cmd = JSON.parse(cmds.at(-1)![1]!) as string[];
    expect(cmd).toEqual(['node', '--enable-source-maps', 'ops/dist/platform/main.mjs']);
    expect(stages[0]).toMatch(/npm run build:platform/);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:platform']).toBe('node ops/build/bundle-platform.mjs');
    expect(pkg.scripts.start).toBe(cmd.join(' '));
    expect(fs.existsSync(path.join(root, 'ops/platform/main.ts'))).toBe(true);
  });

  it('.dockerignore keeps node_modules and local data out of the context', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(ignore).toContain('**/node_modules');
    expect(ignore).toContain('data');
  });
});

describe('compose', () => {
  it('runs every role as its own service from the one image', () => {
    const roles = platformServices.map(([, s]) => composeEnv(s).ROLES).sort();
    expect(roles).toEqual(ROLES);
    for (const [name, s] of platformServices) {
      expect(composeEnv(s).ROLES, `service ${name} is named after its role`).toBe(name);
      expect(obj(s.build).dockerfile).toBe('Dockerfile');
      expect(path.resolve(root, 'ops', String(obj(s.build).context))).toBe(root);
    }
  });

  it('has the servers, each with a healthcheck, and the roles wait for them to be healthy', () => {
    const image = (name: string) => String(obj(services[name]).image);
    expect(image('eventstore')).toMatch(/^eventstore\/eventstore:/);
    expect(image('mongodb')).toMatch(/^mongo:/);
    expect(image('kafka')).toMatch(/^apache\/kafka:3\.9/);
    expect(image('mailpit')).toMatch(/^axllent\/mailpit:/);
    expect(image('s3')).toMatch(/^(motoserver\/moto|localstack\/localstack):/);
    expect(obj(obj(services.eventstore).environment)).toMatchObject({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'All',
    });
    expect(arr(obj(services.mongodb).command)).toContain('--replSet');
    expect(JSON.stringify(obj(services.mongodb).healthcheck)).toContain('rs.initiate');
    for (const [name, s] of platformServices) {
      const deps = obj(s.depends_on);
      for (const server of ['eventstore', 'mongodb', 'kafka', 's3', 'mailpit']) {
        expect(obj(deps[server]).condition, `${name} waits for ${server}`).toBe('service_healthy');
      }
      for (const dep of Object.keys(deps))
        expect(obj(services[dep]).healthcheck, `${dep} has a healthcheck`).toBeDefined();
      expect(JSON.stringify(obj(s.healthcheck).test)).toContain('/health');
    }
  });

  it('pins the servers ops/infra uses to the versions in ops/infra/versions.env', () => {
    const versions = Object.fromEntries(
      [...read('ops/infra/versions.env').matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(String(obj(services.kafka).image)).toBe(`apache/kafka:${versions.KAFKA_VERSION}`);
    expect(String(obj(services.mailpit).image)).toBe(`axllent/mailpit:${versions.MAILPIT_VERSION}`);
    expect(String(obj(services.s3).image)).toBe(`motoserver/moto:${versions.MOTO_VERSION}`);
  });

  it('routes writes to command, reads to read-api and projection admin to the projector', () => {
    const conf = String(obj(obj(compose.configs)['gateway-conf']).content).replaceAll('$$', '$');
    expectGatewayRouting(conf);
    expect(obj(services.gateway).depends_on).toMatchObject({
      command: { condition: 'service_healthy' },
      'read-api': { condition: 'service_healthy' },
    });
  });

  const canCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!canCompose)('`docker compose config -q` accepts it', () => {
    const r = spawnSync('docker', ['compose', '-f', path.join(root, 'ops/compose.yaml'), 'config', '-q'], {
      encoding: 'utf8',
      env: { ...process.env, JWT_SECRET: VALID_SECRET },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

function expectGatewayRouting(conf: string) {
  expect(conf).toMatch(/GET\s+read_api;/);
  expect(conf).toMatch(/HEAD\s+read_api;/);
  expect(conf).toMatch(/default\s+command;/);
  expect(conf).toMatch(/location \/api\/admin\/projections \{ proxy_pass http:\/\/projector; \}/);
  expect(conf).toMatch(/location \/api\/ \{ proxy_pass http:\/\/\$platform_upstream; \}/);
}

describe('k8s', () => {
  it('parses, and every object lives in the booking-platform namespace', () => {
    expect(k8s.length).toBeGreaterThan(0);
    for (const { file, doc } of k8s) {
      expect(doc.apiVersion, file).toBeTruthy();
      expect(doc.kind, file).toBeTruthy();
      const meta = obj(doc.metadata);
      if (doc.kind === 'Namespace') expect(meta.name, file).toBe('booking-platform');
      else expect(meta.namespace, `${file}: ${String(doc.kind)} ${String(meta.name)}`).toBe('booking-platform');
    }
    expect(named('Namespace', 'booking-platform')).toBeDefined();
  });

  it('has a Deployment per role, with /ready and /health probes and resources', () => {
    const roles = platformDeployments.map((d) => roleOf(containers(d)[0]!)).sort();
    expect(roles).toEqual(ROLES);
    for (const d of platformDeployments) {
      const name = String(obj(d.metadata).name);
      for (const c of containers(d)) {
        expect(roleOf(c), `Deployment ${name} is named after its role`).toBe(name);
        expect(obj(obj(c.readinessProbe).httpGet).path, name).toBe('/ready');
        expect(obj(obj(c.livenessProbe).httpGet).path, name).toBe('/health');
        const ports = arr(c.ports).map(obj);
        expect(
          ports.some((p) => p.containerPort === 8080),
          name,
        ).toBe(true);
        expect(String(k8sEnv(c).PORT ?? '8080')).toBe('8080');
        const resources = obj(c.resources);
        for (const kind of ['requests', 'limits']) {
          expect(obj(resources[kind]).cpu, `${name} ${kind}.cpu`).toBeDefined();
          expect(obj(resources[kind]).memory, `${name} ${kind}.memory`).toBeDefined();
        }
      }
      expect(obj(podSpec(d).securityContext).runAsNonRoot, name).toBe(true);
    }
  });

  it('exposes the HTTP roles through Services, the gateway and an Ingress', () => {
    for (const role of ['command', 'read-api', 'projector']) {
      const svc = named('Service', role);
      expect(svc, `Service ${role}`).toBeDefined();
      expect(obj(obj(svc!.spec).selector)['app.kubernetes.io/name']).toBe(role);
    }
    const ingress = ofKind('Ingress');
    expect(ingress).toHaveLength(1);
    const backends = arr(obj(ingress[0]!.spec).rules)
      .flatMap((r) => arr(obj(obj(r).http).paths))
      .map((p) => String(obj(obj(obj(p).backend).service).name));
    for (const b of backends) expect(named('Service', b), `Ingress backend ${b}`).toBeDefined();
    expectGatewayRouting(String(obj(named('ConfigMap', 'gateway-nginx')?.data)['default.conf']));
  });

  it('autoscales only the stateless roles; projector and relay stay single, replaced with Recreate', () => {
    const hpas = ofKind('HorizontalPodAutoscaler');
    const targets = hpas.map((h) => obj(obj(h.spec).scaleTargetRef));
    for (const t of targets) {
      expect(t.kind).toBe('Deployment');
      expect(STATELESS).toContain(t.name);
    }
    expect(targets.map((t) => t.name).sort()).toEqual([...STATELESS].sort());
    for (const single of ['projector', 'relay']) {
      const d = named('Deployment', single)!;
      expect(obj(d.spec).replicas, single).toBe(1);
      expect(obj(obj(d.spec).strategy).type, single).toBe('Recreate');
    }
  });

  it('keeps every secret value in the Secret, marked as a placeholder', () => {
    const secret = named('Secret', 'platform-secrets')!;
    const data = obj(secret.stringData);
    expect(Object.keys(data)).toContain('JWT_SECRET');
    for (const v of Object.values(data)) expect(v).toBe('REPLACE_ME');
    const cm = obj(named('ConfigMap', 'platform-config')!.data);
    for (const key of Object.keys(cm)) expect(key).not.toMatch(/SECRET|PASSWORD|TOKEN|ACCESS_KEY/);
  });
});
