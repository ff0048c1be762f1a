/**
 * Boot profiles: memory, CPUs, an optional NUMA topology, earlycon and extra kernel
 * arguments. Loaded from configs/profiles.json and checked before any QEMU starts, so an
 * impossible machine is a user error with its reason, not a confusing QEMU failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchName } from '../arch.ts';
import { ARCHES, ARCH_NAMES, isArchName } from '../arch.ts';
import { UserError } from '../util/errors.ts';
import { isObject, readJsonFile, type Json } from '../util/json.ts';
import { REPO_ROOT } from '../util/paths.ts';

export interface NumaNode {
  readonly memoryMiB: number;
  readonly cpus: readonly number[];
}

export interface Profile {
  readonly name: string;
  readonly description: string;
  /** Arches the profile is meant for; all when absent. */
  readonly arches?: readonly ArchName[];
  readonly memoryMiB?: number;
  readonly smp?: number;
  readonly numa?: { readonly nodes: readonly NumaNode[]; readonly distances?: readonly (readonly number[])[] };
  /** Default true: without it an early crash prints nothing. */
  readonly earlycon?: boolean;
  /** Extra kernel arguments, e.g. cma=64M hugetlb_cma=2G cma_pernuma=16M. */
  readonly cmdline: readonly string[];
  /**
   * Reusable "shared-dma-pool" reserved-memory nodes added to the device tree QEMU generates:
   * each becomes a CMA area named pool<N>, so a profile can ask for more areas than
   * CONFIG_CMA_AREAS allows without NUMA.
   */
  readonly reservedPools?: ReservedPools;
}

export interface ReservedPools {
  readonly count: number;
  readonly sizeMiB: number;
}

/** A profile resolved for one arch: every default filled in. */
export interface MachineConfig {
  readonly arch: ArchName;
  readonly profile: string;
  readonly memoryMiB: number;
  readonly smp: number;
  readonly numa?: Profile['numa'];
  readonly earlycon: boolean;
  readonly cmdline: readonly string[];
  readonly reservedPools?: ReservedPools;
}

export const PROFILES_FILE = join(REPO_ROOT, 'configs', 'profiles.json');

const KEYS = ['description', 'arches', 'memoryMiB', 'smp', 'numa', 'earlycon', 'cmdline', 'reservedPools'] as const;


/** Validate one profile's JSON, naming file and path in every message. */
export function parseProfile(name: string, raw: Json, origin: string): Profile {
  const at = (path: string): string => `${origin}: profiles.${name}${path}`;
  if (!isObject(raw)) throw new UserError(`${at('')} must be an object.`);
  for (const k of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(k)) throw new UserError(`${at(`.${k}`)}: unknown key. A profile may have ${KEYS.join(', ')}.`);
  }
  const posInt = (v: Json | undefined, path: string): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new UserError(`${at(path)} must be a positive integer, got ${JSON.stringify(v)}.`);
    return v;
  };
  const description = raw.description ?? '';
  if (typeof description !== 'string') throw new UserError(`${at('.description')} must be a string.`);
  const cmdline = raw.cmdline ?? [];
  if (!Array.isArray(cmdline) || cmdline.some((a) => typeof a !== 'string' || /\s/.test(a) || a === '')) {
    throw new UserError(`${at('.cmdline')} must be a list of kernel arguments without spaces, e.g. ["cma=64M"].`);
  }
  let arches: ArchName[] | undefined;
  if (raw.arches !== undefined) {
    if (!Array.isArray(raw.arches)) throw new UserError(`${at('.arches')} must be a list of arch names.`);
    arches = raw.arches.map((a, i) => {
      if (typeof a !== 'string' || !isArchName(a)) throw new UserError(`${at(`.arches[${i}]`)}: unknown arch ${JSON.stringify(a)}. bootlab knows ${ARCH_NAMES.join(', ')}.`);
      return a;
    });
  }
  if (raw.earlycon !== undefined && typeof raw.earlycon !== 'boolean') throw new UserError(`${at('.earlycon')} must be true or false.`);
  let numa: Profile['numa'];
  if (raw.numa !== undefined) {
    if (!isObject(raw.numa)) throw new UserError(`${at('.numa')} must be an object with "nodes".`);
    for (const k of Object.keys(raw.numa)) if (k !== 'nodes' && k !== 'distances') throw new UserError(`${at(`.numa.${k}`)}: unknown key. numa has nodes and distances.`);
    const nodes = raw.numa.nodes;
    if (!Array.isArray(nodes) || nodes.length === 0) throw new UserError(`${at('.numa.nodes')} must be a non-empty list of { memoryMiB, cpus }.`);
    const parsedNodes = nodes.map((n, i) => {
      if (!isObject(n)) throw new UserError(`${at(`.numa.nodes[${i}]`)} must be { "memoryMiB": N, "cpus": [..] }.`);
      for (const k of Object.keys(n)) if (k !== 'memoryMiB' && k !== 'cpus') throw new UserError(`${at(`.numa.nodes[${i}].${k}`)}: unknown key.`);
      const cpus = n.cpus;
      if (!Array.isArray(cpus) || cpus.some((c) => typeof c !== 'number' || !Number.isInteger(c) || c < 0)) {
        throw new UserError(`${at(`.numa.nodes[${i}].cpus`)} must be a list of CPU numbers.`);
      }
      return { memoryMiB: posInt(n.memoryMiB, `.numa.nodes[${i}].memoryMiB`) ?? fail(`${at(`.numa.nodes[${i}].memoryMiB`)} is required.`), cpus: cpus as number[] };
    });
    let distances: number[][] | undefined;
    if (raw.numa.distances !== undefined) {
      const d = raw.numa.distances;
      const n = parsedNodes.length;
      if (!Array.isArray(d) || d.length !== n || d.some((row) => !Array.isArray(row) || row.length !== n || row.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 10 || v > 255))) {
        throw new UserError(`${at('.numa.distances')} must be a ${n}x${n} matrix of integers 10..255 (10 = local).`);
      }
      distances = d as number[][];
    }
    numa = { nodes: parsedNodes, ...(distances ? { distances } : {}) };
  }
  let reservedPools: ReservedPools | undefined;
  if (raw.reservedPools !== undefined) {
    const r = raw.reservedPools;
    if (!isObject(r) || Object.keys(r).some((k) => k !== 'count' && k !== 'sizeMiB')) throw new UserError(`${at('.reservedPools')} must be { "count": N, "sizeMiB": N }.`);
    reservedPools = { count: posInt(r.count, '.reservedPools.count') ?? fail(`${at('.reservedPools.count')} is required.`), sizeMiB: posInt(r.sizeMiB, '.reservedPools.sizeMiB') ?? fail(`${at('.reservedPools.sizeMiB')} is required.`) };
  }
  const memoryMiB = posInt(raw.memoryMiB, '.memoryMiB');
  const smp = posInt(raw.smp, '.smp');
  return {
    name,
    description,
    cmdline: cmdline as string[],
    ...(arches ? { arches } : {}),
    ...(memoryMiB ? { memoryMiB } : {}),
    ...(smp ? { smp } : {}),
    ...(numa ? { numa } : {}),
    ...(raw.earlycon !== undefined ? { earlycon: raw.earlycon as boolean } : {}),
    ...(reservedPools ? { reservedPools } : {}),
  };
}

function fail(message: string): never {
  throw new UserError(message);
}

export function loadProfiles(file = PROFILES_FILE): Map<string, Profile> {
  if (!existsSync(file)) throw new UserError(`Profile file ${file} does not exist.`);
  const raw = readJsonFile(file);
  if (!isObject(raw)) throw new UserError(`${file} must hold an object mapping profile names to profiles.`);
  return new Map(Object.entries(raw).map(([name, p]) => [name, parseProfile(name, p, file)]));
}

export function findProfile(name: string, profiles = loadProfiles()): Profile {
  const p = profiles.get(name);
  if (!p) throw new UserError(`Unknown profile "${name}". Known profiles: ${[...profiles.keys()].join(', ')}.`);
  return p;
}

function cannotBoot(profile: string, arch: ArchName, reason: string): UserError {
  return new UserError(`Profile "${profile}" cannot boot on ${arch} (${ARCHES[arch].machine.machine}): ${reason}.`);
}

/**
 * Resolve a profile for an arch and reject impossible machines: CPUs or memory that do not
 * add up, NUMA where the arch's kernel has none, more CPUs than the machine takes.
 */
export function machineConfig(arch: ArchName, profile: Profile): MachineConfig {
  const machine = ARCHES[arch].machine;
  const why = (reason: string): UserError => cannotBoot(profile.name, arch, reason);
  if (profile.arches && !profile.arches.includes(arch)) throw why(`it is meant for ${profile.arches.join(', ')} only`);
  const numa = profile.numa;
  const smp = profile.smp ?? (numa ? numa.nodes.reduce((n, node) => n + node.cpus.length, 0) : machine.defaultSmp);
  if (smp > machine.maxSmp) throw why(`smp ${smp} exceeds the ${machine.maxSmp} CPUs bootlab runs ${machine.machine} with`);
  let memoryMiB = profile.memoryMiB ?? machine.defaultMemoryMiB;
  if (numa) {
    if (!machine.numa) throw why(`${machine.machine} kernels have no NUMA (CONFIG_NUMA cannot be set for ${arch})`);
    const total = numa.nodes.reduce((n, node) => n + node.memoryMiB, 0);
    if (profile.memoryMiB !== undefined && profile.memoryMiB !== total) {
      throw why(`memoryMiB is ${profile.memoryMiB} but the NUMA nodes add up to ${total} MiB`);
    }
    memoryMiB = total;
    const seen = new Map<number, number>();
    numa.nodes.forEach((node, i) => {
      for (const c of node.cpus) {
        if (seen.has(c)) throw why(`CPU ${c} is in NUMA node ${seen.get(c)} and node ${i}`);
        if (c >= smp) throw why(`NUMA node ${i} lists CPU ${c} but smp is ${smp} (CPUs 0-${smp - 1})`);
        seen.set(c, i);
      }
    });
    if (seen.size !== smp) {
      const missing = [...Array(smp).keys()].filter((c) => !seen.has(c));
      throw why(`CPUs ${missing.join(', ')} are in no NUMA node`);
    }
  }
  if (profile.reservedPools && !machine.deviceTree) throw why(`${machine.machine} boots without a device tree bootlab can extend, so reservedPools cannot be added`);
  return {
    arch,
    profile: profile.name,
    memoryMiB,
    smp,
    ...(numa ? { numa } : {}),
    earlycon: profile.earlycon ?? true,
    cmdline: profile.cmdline,
    ...(profile.reservedPools ? { reservedPools: profile.reservedPools } : {}),
  };
}

/** A machine the kernel built for it cannot run: a NUMA topology for a kernel without CONFIG_NUMA. */
export function requireKernelFits(m: MachineConfig, kernelHasNuma: boolean): void {
  if (m.numa && !kernelHasNuma) throw cannotBoot(m.profile, m.arch, 'the kernel was built without CONFIG_NUMA');
}
