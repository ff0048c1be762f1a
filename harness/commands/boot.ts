import PQueue from 'p-queue';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCH_NAMES, parseArchList, type ArchName } from '../arch.ts';
import { defaultBootConcurrency } from '../boot/boot.ts';
import { runBootJob, type JobResult } from '../run/job.ts';
import { formatCmaCheck } from '../cma/check.ts';
import { crossKernels, scheduleBuilds, requireBuildTools, buildKey } from '../build/schedule.ts';
import type { Command, OptionValues } from '../cli/main.ts';
import { UserError } from '../util/errors.ts';
import { guestInitramfs } from '../image/initramfs.ts';
import { configHasNuma } from '../build/kconfig.ts';
import { REPO_ROOT } from '../util/paths.ts';
import { formatDuration } from '../cli/printer.ts';
import { findProfile, loadProfiles, machineConfig, type Profile } from '../boot/profile.ts';
import { resolveSource } from '../source/tree.ts';
import { parseJobs, parseSeriesOption } from './build.ts';
import { commaList } from '../util/lists.ts';

/** A positive number of seconds given as --<option>, in milliseconds. */
export function seconds(value: OptionValues[string], option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n <= 0) throw new UserError(`--${option} expects a positive number of seconds, got "${String(value)}".`);
  return n * 1000;
}

function runId(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export const bootCommand: Command = {
  summary: 'build (or reuse) kernels and boot them in QEMU with the given profiles',
  options: {
    arch: { type: 'string', default: 'arm64', description: `comma-separated arches (${ARCH_NAMES.join(', ')})` },
    profile: { type: 'string', default: 'default', description: 'comma-separated boot profiles' },
    profiles: { type: 'string', description: 'profile file (default: configs/profiles.json)' },
    series: { type: 'string', default: 'none', description: 'boot the kernel patched with this series (and the baseline)' },
    kernel: { type: 'string', description: 'boot this prebuilt image instead of building (one arch)' },
    'kernel-src': { type: 'string', description: 'kernel tree to build (default: Debian linux-source-6.1)' },
    inactivity: { type: 'string', description: 'seconds without console output before a hang verdict (default 30)' },
    timeout: { type: 'string', description: 'overall seconds per boot (default 300)' },
    parallel: { type: 'string', description: 'boots at once (default: cores + 1)' },
    out: { type: 'string', description: 'results directory (default: results/boot-<time>)' },
    json: { type: 'boolean', default: false, description: 'print the results as JSON' },
  },
  async run(values) {
    const arches = parseArchList(values.arch as string);
    const profiles = loadProfiles(typeof values.profiles === 'string' ? resolve(values.profiles) : undefined);
    const wanted: Profile[] = commaList(values.profile as string).map((p) => findProfile(p, profiles));
    if (wanted.length === 0) throw new UserError('--profile is empty: give one or more profile names.');
    // Impossible machines are rejected before anything is built or booted.
    for (const arch of arches) for (const p of wanted) machineConfig(arch, p);
    const inactivityMs = seconds(values.inactivity, 'inactivity');
    const timeoutMs = seconds(values.timeout, 'timeout');
    const parallel = parseJobs(values.parallel as string | undefined) ?? defaultBootConcurrency();
    const outRoot = resolve((values.out as string | undefined) ?? join(REPO_ROOT, 'results', `boot-${runId()}`));
    const monitor = { ...(inactivityMs ? { inactivityMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) };

    type Target = { arch: ArchName; variant: string; kernel: Promise<{ image: string; config?: string; vmlinux?: string; systemMap?: string } | undefined> };
    const targets: Target[] = [];
    if (typeof values.kernel === 'string') {
      if (arches.length !== 1) throw new UserError('--kernel boots one prebuilt image: give exactly one --arch.');
      const image = resolve(values.kernel);
      if (!existsSync(image)) throw new UserError(`--kernel ${image}: no such file.`);
      targets.push({ arch: arches[0]!, variant: 'prebuilt', kernel: Promise.resolve({ image }) });
    } else {
      const series = parseSeriesOption(values.series as string | undefined);
      requireBuildTools(arches);
      const source = await resolveSource(values['kernel-src'] as string | undefined);
      const builds = scheduleBuilds({ source, kernels: crossKernels(arches, series) });
      for (const arch of arches) {
        for (const variant of ['baseline', ...series.map((s) => s.name)]) {
          const kernel = builds.get(buildKey(arch, variant))!.then((b) => {
            if (!b.ok) {
              process.stderr.write(`${arch}/${variant}: build failed, not booted; log: ${b.log}\n    ${b.errors.join('\n    ')}\n`);
              return undefined;
            }
            return { image: b.image, config: b.config, vmlinux: b.vmlinux, systemMap: b.systemMap };
          });
          targets.push({ arch, variant, kernel });
        }
      }
    }

    const queue = new PQueue({ concurrency: parallel });
    const boots: Promise<JobResult | undefined>[] = [];
    for (const t of targets) {
      const initrd = guestInitramfs(t.arch);
      for (const p of wanted) {
        boots.push(
          t.kernel.then(async (k) => {
            if (!k) return undefined;
            const hasNuma = k.config ? configHasNuma(k.config) : undefined;
            const machine = machineConfig(t.arch, p, hasNuma);
            const id = `${t.arch}-${t.variant}-${p.name}`;
            const job = { id, machine, kernel: k.image, initrd: await initrd, outDir: join(outRoot, id), monitor, ...(k.systemMap ? { symbols: { systemMap: k.systemMap, ...(k.config ? { config: k.config } : {}) } } : {}) };
            return queue.add(async () => {
              const r = await runBootJob(job, t.variant, k.vmlinux);
              if (!values.json) process.stdout.write(`${describeBoot(r)}\n`);
              return r;
            }, { throwOnTimeout: true });
          }),
        );
      }
    }
    const results = (await Promise.all(boots)).filter((r): r is JobResult => r !== undefined);
    if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else process.stdout.write(`results in ${outRoot}\n`);
    if (results.length < boots.length) return 1;
    return results.every((r) => r.verdict === 'pass') ? 0 : results.some((r) => r.verdict === 'infra-error') ? 3 : 1;
  },
};

export function describeBoot(r: JobResult): string {
  const head = `${r.arch}/${r.variant}/${r.profile}`.padEnd(36);
  const lines = [`${head} ${r.verdict.padEnd(11)} ${formatDuration(r.decidedAtMs).padStart(7)}  ${r.reason}`];
  for (const c of r.crashes) lines.push(`    crash: ${c.title}${c.corrupted ? ' (corrupted)' : ''}`);
  lines.push(`    CMA check: ${r.cma.ok ? 'ok' : 'MISMATCH'}`);
  for (const l of formatCmaCheck(r.cma).split('\n')) lines.push(`      ${l}`);
  lines.push(`    console: ${r.consoleLog}`);
  return lines.join('\n');
}
