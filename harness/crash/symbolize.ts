/**
 * Crash reports to source lines, from the vmlinux that printed them: the shell around the
 * pure parser. Every frame of every report given goes to ONE `addr2line -a -f -i` process
 * (a 60-frame trace, or 300 logs of them, cost one spawn, not one per frame), after the
 * printed `func+0xoff/0xsize` are turned into addresses with System.map (or one `nm`).
 *
 * Return addresses are looked up at address-1, as scripts/faddr2line and syzkaller do: the
 * return address is the instruction after the call, which for a call the compiler knows does
 * not return (panic(), BUG()) is already the first line of the next function. The pc is the
 * faulting instruction itself and is looked up as it is.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative } from 'node:path';
import { ARCHES, ARCH_NAMES, type ArchName } from '../arch.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { NotElfError, readElfFile } from '../util/elf.ts';
import { UserError } from '../util/errors.ts';
import { fileIdentity, sha256, short } from '../util/hash.ts';
import { cacheRoot } from '../util/paths.ts';
import { run, type RunOptions, type RunResult } from '../util/proc.ts';
import { BUILD_DIR_PREFIX } from '../source/tree.ts';
import { programs } from '../setup/packages.ts';
import { requireTools } from '../util/tools.ts';
import { parseAddress, parseSymbolMap, symbolAddress, type SymbolTable } from './symbols.ts';
import type { CodeLocation, CrashReport, InlinedCall, SourceLocation, StackFrame } from './types.ts';

/** How binutils are started; harness/util/proc.ts `run` unless a test wants to watch the calls. */
export type Runner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

export interface SymbolizeOptions {
  /** The vmlinux (ELF, with symbols; line numbers need CONFIG_DEBUG_INFO) that printed the reports. */
  readonly vmlinux: string;
  /** Chooses the binutils (`ARCHES[arch].crossCompile`). @default the arch of vmlinux's ELF header */
  readonly arch?: ArchName;
  /** @default `System.map` beside vmlinux, else `<cross>nm -n vmlinux` (only when a frame needs it) */
  readonly systemMap?: string;
  /** @default harness/util/proc.ts `run` */
  readonly runner?: Runner;
  /**
   * Remember each location's source line in the cache, under the vmlinux's identity, so that
   * a crash seen again (the same kernel in tomorrow's run) is symbolized without addr2line.
   * @default false
   */
  readonly remember?: boolean;
}

/**
 * The arch a vmlinux was built for, from its ELF header. Throws a UserError naming the file
 * when it is not an ELF file (an Image or zImage was given) or not for an arch bootlab knows.
 */
export function elfArch(vmlinux: string): ArchName {
  let machine: number;
  try {
    machine = readElfFile(vmlinux).machine;
  } catch (error) {
    if (error instanceof NotElfError) {
      throw new UserError(`${vmlinux} is not an ELF file: give the vmlinux of the build (in its build directory), not the Image or zImage that was booted.`);
    }
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new UserError(`Cannot read vmlinux ${vmlinux}: ${(error as Error).message}.`, { cause: error });
  }
  const arch = ARCH_NAMES.find((a) => ARCHES[a].elfMachine === machine);
  if (arch === undefined) {
    throw new UserError(`${vmlinux} is an ELF file for machine ${machine} (e_machine), not for one of ${ARCH_NAMES.join(', ')}.`);
  }
  return arch;
}

/** One function/file:line pair of addr2line -f output; file "??" and line 0 when unknown. */
export interface Addr2lineEntry {
  readonly function: string;
  readonly file: string;
  readonly line: number;
}

const ADDRESS_LINE = /^0x([0-9a-fA-F]+)$/;
const LOCATION_LINE = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/;

/**
 * addr2line -a -f -i output: each queried address on a line of its own ("0x..."), then
 * function and file:line pairs, innermost inlined function first. Lines addr2line wrote to
 * stderr (they arrive interleaved, starting with its name) are skipped.
 */
export function parseAddr2line(output: string, tool = 'addr2line'): Map<bigint, Addr2lineEntry[]> {
  const out = new Map<bigint, Addr2lineEntry[]>();
  const noise = `${basename(tool)}:`;
  let current: Addr2lineEntry[] | undefined;
  let fn: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith(noise)) continue;
    const address = ADDRESS_LINE.exec(line);
    if (address) {
      current = [];
      fn = undefined;
      out.set(BigInt(`0x${address[1]}`), current);
      continue;
    }
    if (current === undefined) continue;
    const loc = fn === undefined ? undefined : LOCATION_LINE.exec(line);
    if (loc) {
      current.push({ function: fn!, file: loc[1]!, line: loc[2] === '?' ? 0 : Number(loc[2]) });
      fn = undefined;
    } else {
      fn = line;
    }
  }
  return out;
}

const BUILD_DIR_IN_PATH = new RegExp(String.raw`^(?:.*/)?${BUILD_DIR_PREFIX}[a-z0-9]+-[0-9a-f]{6,}/(.*)$`);

/**
 * A DWARF file name as a kernel developer reads it: "mm/cma.c". bootlab builds out of tree
 * in `<tree>/bootlab-<arch>-<hash>`, so sources arrive as `<build dir>/../mm/cma.c` (or
 * `../mm/cma.c`, or absolute in the tree) and generated headers as `<build dir>/include/...`.
 */
export function treeRelative(file: string, buildDir: string): string {
  const inBuildDir = BUILD_DIR_IN_PATH.exec(file);
  if (inBuildDir) return stripParent(posix.normalize(inBuildDir[1]!));
  const p = posix.normalize(file);
  if (!isAbsolute(p)) return stripParent(p);
  const tree = BUILD_DIR_IN_PATH.test(`${buildDir}/`) ? dirname(buildDir) : buildDir;
  for (const base of [buildDir, tree]) {
    const rel = relative(base, p);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
  }
  return p;
}

/** A path relative to the build directory is one `../` away from the tree. */
function stripParent(p: string): string {
  return p.startsWith('../') ? p.slice(3) : p;
}

function toSource(entries: readonly Addr2lineEntry[] | undefined, buildDir: string): SourceLocation | undefined {
  const [first, ...callers] = entries ?? [];
  // "??:0": no line information for this address (no CONFIG_DEBUG_INFO, or asm without it).
  if (first === undefined || first.file === '??' || first.line === 0) return undefined;
  const inlined: InlinedCall[] = callers
    .filter((c) => c.file !== '??' && c.line > 0)
    .map((c) => ({ function: c.function, file: treeRelative(c.file, buildDir), line: c.line }));
  return { function: first.function, file: treeRelative(first.file, buildDir), line: first.line, inlined };
}

/** True when a trace frame is the pc itself (arm64 starts an oops trace with it) rather than a return address. */
function isPc(frame: StackFrame, pc: CodeLocation | undefined): boolean {
  if (pc === undefined) return false;
  if (frame.address !== undefined && pc.address !== undefined) return BigInt(`0x${frame.address}`) === BigInt(`0x${pc.address}`);
  return frame.function !== undefined && frame.function === pc.function && frame.offset === pc.offset;
}

/** The address to give addr2line for a location, or undefined when vmlinux cannot tell. */
function lookupAddress(loc: CodeLocation, symbols: SymbolTable | undefined, isReturn: boolean, wordBytes: 4 | 8): bigint | undefined {
  // Module code is not in vmlinux.
  if (loc.module !== undefined) return undefined;
  let address: bigint | undefined;
  // The symbol and offset first: unlike a printed address they do not move with KASLR.
  if (loc.function !== undefined && loc.offset !== undefined && symbols !== undefined) {
    const start = symbolAddress(symbols, loc.function, loc.size);
    if (start !== undefined) address = start + BigInt(loc.offset);
  }
  if (address === undefined && loc.address !== undefined) address = parseAddress(loc.address, wordBytes);
  if (address === undefined) return undefined;
  return isReturn && address > 0n ? address - 1n : address;
}

/** Every location of a report with whether it is a return address, in a fixed order. */
function locationsOf(report: CrashReport): { loc: CodeLocation; isReturn: boolean }[] {
  return [
    ...(report.pc ? [{ loc: report.pc, isReturn: false }] : []),
    ...(report.lr ? [{ loc: report.lr, isReturn: true }] : []),
    ...report.frames.map((f, i) => ({ loc: f, isReturn: !(i === 0 && isPc(f, report.pc)) })),
  ];
}

/**
 * addr2line is given every address on one command line. Linux caps one argument at 128 KiB
 * and all of them at about 2 MiB; 20000 addresses of 19 characters stay well below, so more
 * distinct addresses than that (thousands of different traces) take a second process.
 */
const ADDRESSES_PER_PROCESS = 20_000;

/**
 * The reports with `source` set on pc, lr and every frame vmlinux has line information for.
 * New objects; the reports given are not changed. All reports must come from this vmlinux.
 */
export async function symbolizeReports(reports: readonly CrashReport[], options: SymbolizeOptions): Promise<CrashReport[]> {
  const { vmlinux } = options;
  if (!existsSync(vmlinux)) throw new UserError(`vmlinux ${vmlinux} does not exist.`);
  if (statSync(vmlinux).isDirectory()) throw new UserError(`${vmlinux} is a directory: give the vmlinux file inside it.`);
  const elf = elfArch(vmlinux);
  if (options.arch !== undefined && options.arch !== elf) {
    throw new UserError(`${vmlinux} is an ${elf} kernel, but the arch given is ${options.arch}.`);
  }
  const arch = options.arch ?? elf;
  const cross = ARCHES[arch].crossCompile;
  const runner = options.runner ?? run;
  const addr2line = `${cross}addr2line`;
  requireTools(programs(addr2line), `Symbolizing ${arch} crash reports`);

  // What an earlier run found for a location is taken as it is; only the rest is looked up.
  const memo = options.remember ? loadMemo(vmlinux) : undefined;
  const located = reports.map((r) => locationsOf(r).map((l) => ({ ...l, key: memoKey(l.loc, l.isReturn) })));
  const unknown = located.flat().filter((l) => l.key === undefined || !memo?.entries.has(l.key));

  const needsSymbols = unknown.some(({ loc }) => loc.module === undefined && loc.function !== undefined && loc.offset !== undefined);
  const { word } = ARCHES[arch];
  const symbols = needsSymbols ? await loadSymbols(vmlinux, cross, options.systemMap, runner, word.bytes) : undefined;

  const addresses = new Map(unknown.map((l) => [l, lookupAddress(l.loc, symbols, l.isReturn, word.bytes)]));
  const unique = [...new Set([...addresses.values()].filter((a): a is bigint => a !== undefined))];
  const found = new Map<bigint, Addr2lineEntry[]>();
  for (let i = 0; i < unique.length; i += ADDRESSES_PER_PROCESS) {
    const batch = unique.slice(i, i + ADDRESSES_PER_PROCESS).map((a) => `0x${a.toString(16)}`);
    const result = await runner(addr2line, ['-a', '-f', '-i', '-e', vmlinux, ...batch]);
    if (result.exitCode !== 0) {
      throw new UserError(`${addr2line} could not read ${vmlinux} (exit ${result.exitCode ?? result.signal}): ${result.output.trim().split('\n').slice(0, 3).join(' ')}`);
    }
    for (const [a, entries] of parseAddr2line(result.output, addr2line)) found.set(a, entries);
  }

  const buildDir = dirname(vmlinux);
  const sourceOf = (l: (typeof unknown)[number]): SourceLocation | undefined => {
    if (l.key !== undefined && memo?.entries.has(l.key)) return memo.entries.get(l.key) ?? undefined;
    const a = addresses.get(l);
    const source = a === undefined ? undefined : toSource(found.get(a), buildDir);
    if (memo && l.key !== undefined) memo.entries.set(l.key, source ?? null);
    return source;
  };
  const out = reports.map((r, k) => {
    const plan = located[k]!;
    let next = 0;
    const withSource = <T extends CodeLocation>(loc: T): T => {
      const source = sourceOf(plan[next++]!);
      return source === undefined ? loc : { ...loc, source };
    };
    // Same order as locationsOf: pc, lr, then the frames.
    const pc = r.pc && withSource(r.pc);
    const lr = r.lr && withSource(r.lr);
    return { ...r, ...(pc ? { pc } : {}), ...(lr ? { lr } : {}), frames: r.frames.map(withSource) };
  });
  if (memo && unknown.length > 0) saveMemo(memo);
  return out;
}

/** What locations a vmlinux resolved to: null for one without line information. */
interface Memo {
  readonly file: string;
  readonly entries: Map<string, SourceLocation | null>;
}

/** A location as printed, and whether it is a return address: what its source line depends on. Module code has none. */
function memoKey(loc: CodeLocation, isReturn: boolean): string | undefined {
  if (loc.module !== undefined) return undefined;
  return `${isReturn ? 'ret' : 'pc'} ${loc.function ?? ''}+${loc.offset ?? ''}/${loc.size ?? ''} ${loc.address ?? ''}`;
}

function loadMemo(vmlinux: string): Memo {
  const file = join(cacheRoot(), 'symbolized', `${short(sha256(fileIdentity(vmlinux)))}.json`);
  let entries = new Map<string, SourceLocation | null>();
  try {
    entries = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, SourceLocation | null>));
  } catch {
    // nothing remembered yet, or unreadable: look everything up
  }
  return { file, entries };
}

function saveMemo(memo: Memo): void {
  mkdirSync(dirname(memo.file), { recursive: true });
  writeFileAtomic(memo.file, JSON.stringify(Object.fromEntries(memo.entries)));
}

async function loadSymbols(vmlinux: string, cross: string, systemMap: string | undefined, runner: Runner, wordBytes: 4 | 8): Promise<SymbolTable> {
  const map = systemMap ?? join(dirname(vmlinux), 'System.map');
  if (existsSync(map)) return parseSymbolMap(readFileSync(map, 'utf8'), wordBytes);
  if (systemMap !== undefined) throw new UserError(`System.map ${systemMap} does not exist.`);
  const nm = `${cross}nm`;
  const result = await runner(nm, ['-n', vmlinux]);
  // "no symbols" is a stripped vmlinux: frames stay unresolved, which is not an error.
  return parseSymbolMap(result.output, wordBytes);
}
