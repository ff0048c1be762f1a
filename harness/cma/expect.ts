/**
 * Which CMA areas a boot must produce, derived from its kernel command line and NUMA
 * topology the way 6.1's mm/cma.c, mm/hugetlb.c and kernel/dma/contiguous.c do it.
 * Pure: profile in, expected areas out.
 */
import { archSpec } from '../arch.ts';
import type { MachineConfig } from '../boot/profile.ts';

export interface ExpectedArea {
  readonly name: string;
  readonly bytes: number;
  /** The node the area must sit on; undefined when the kernel may place it anywhere. */
  readonly node?: number;
  /** The kernel argument (or matrix entry) the expectation comes from. */
  readonly origin: string;
}

export interface CmaExpectation {
  readonly areas: readonly ExpectedArea[];
  readonly cmaTotalBytes: number;
  /** Notes about arguments that make no area (unsupported on this arch, below the minimum). */
  readonly notes: readonly string[];
}

/** The kernel's memparse(): a number with an optional K/M/G/T/P/E suffix. */
export function memparse(text: string): number | undefined {
  const m = /^(0x[0-9a-f]+|\d+)([kmgtpe]?)/i.exec(text);
  if (!m) return undefined;
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 }[m[2]!.toLowerCase() as ''] ?? 0;
  return Number(m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : m[1]) * 2 ** shift;
}

function arg(cmdline: readonly string[], name: string): string | undefined {
  // The kernel takes the last occurrence of an early_param.
  return cmdline.filter((a) => a.startsWith(`${name}=`)).map((a) => a.slice(name.length + 1)).at(-1);
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

export function expectCma(m: MachineConfig): CmaExpectation {
  const areas: ExpectedArea[] = [];
  const notes: string[] = [];
  const nodes = m.numa ? m.numa.nodes.map((_, i) => i) : [0];

  // Device-tree pools are reserved first (early_init_fdt_scan_reserved_mem), so they take
  // the first slots; names are the node names.
  for (let i = 0; i < (m.reservedPools?.count ?? 0); i++) {
    areas.push({ name: `pool${i}`, bytes: m.reservedPools!.sizeMiB * 2 ** 20, origin: 'device tree reserved-memory shared-dma-pool' });
  }

  const pernuma = arg(m.cmdline, 'cma_pernuma');
  if (pernuma !== undefined) {
    const bytes = memparse(pernuma) ?? 0;
    if (!m.numa) notes.push('cma_pernuma= needs CONFIG_DMA_PERNUMA_CMA (NUMA): no per-node areas expected');
    else if (bytes > 0) for (const nid of nodes) areas.push({ name: `pernuma${nid}`, bytes, node: nid, origin: `cma_pernuma=${pernuma}` });
  }

  const hugetlb = arg(m.cmdline, 'hugetlb_cma');
  if (hugetlb !== undefined) {
    const min = archSpec(m.arch).hugetlbCmaMinBytes;
    if (min === undefined) notes.push(`hugetlb_cma= is not supported on ${m.arch} in 6.1: no hugetlb areas expected`);
    else areas.push(...hugetlbAreas(hugetlb, nodes, min, notes));
  }

  const cma = arg(m.cmdline, 'cma');
  if (cma !== undefined) {
    const bytes = memparse(cma) ?? 0;
    if (bytes > 0) areas.push({ name: 'reserved', bytes, origin: `cma=${cma}` });
  }
  return { areas, cmaTotalBytes: areas.reduce((n, a) => n + a.bytes, 0), notes };
}

/** mm/hugetlb.c hugetlb_cma_reserve(): "N:size,M:size" per node, or one size split over online nodes. */
function hugetlbAreas(value: string, nodes: readonly number[], min: number, notes: string[]): ExpectedArea[] {
  const origin = `hugetlb_cma=${value}`;
  const perNode = [...value.matchAll(/(\d+):([0-9a-fx]+[kmgtpe]?)/gi)];
  if (perNode.length > 0) {
    const out: ExpectedArea[] = [];
    for (const [, nid, size] of perNode) {
      const node = Number(nid);
      const bytes = memparse(size!) ?? 0;
      if (!nodes.includes(node)) notes.push(`${origin}: node ${node} is not online`);
      else if (bytes < min) notes.push(`${origin}: node ${node} area below the ${min / 2 ** 20} MiB minimum`);
      else out.push({ name: `hugetlb${node}`, bytes: roundUp(bytes, min), node, origin });
    }
    return out;
  }
  const total = memparse(value) ?? 0;
  if (total < min) {
    notes.push(`${origin}: below the ${min / 2 ** 20} MiB gigantic-page minimum, no hugetlb areas expected`);
    return [];
  }
  const per = roundUp(Math.ceil(total / nodes.length), min);
  const out: ExpectedArea[] = [];
  let reserved = 0;
  for (const node of nodes) {
    const bytes = roundUp(Math.min(per, total - reserved), min);
    out.push({ name: `hugetlb${node}`, bytes, node, origin });
    reserved += bytes;
    if (reserved >= total) break;
  }
  return out;
}
