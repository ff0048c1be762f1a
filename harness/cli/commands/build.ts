/** bootlab build: build kernels, baseline and patched, and say how each was obtained. */
import { ARCH_NAMES } from '../../arch.ts';
import { crossKernels, requireBuildTools, scheduleBuilds } from '../../kbuild/schedule.ts';
import { withBaselines } from '../../variant.ts';
import { resolveSource } from '../../source/tree.ts';
import { buildExitCode } from '../../results/exit.ts';
import type { OptionValues } from '../command.ts';
import { arches, list, positiveInteger, string, variantList } from '../options.ts';
import { describeBuild, describeBuildStart, describeSource } from '../printer.ts';

export async function run(values: OptionValues): Promise<number> {
  const archList = arches(values, 'arch') ?? ARCH_NAMES;
  const variants = withBaselines(variantList(values, 'series'));
  const fragments = list(values, 'fragments');
  const jobs = positiveInteger(values, 'jobs');
  requireBuildTools(archList);
  const source = await resolveSource(string(values, 'kernel-src'));
  const say = (text: string): void => {
    if (!values.json) process.stdout.write(`${text}\n`);
  };
  say(describeSource(source));
  const builds = scheduleBuilds({
    source,
    kernels: crossKernels(archList, variants),
    ...(fragments ? { fragments: () => fragments } : {}),
    ...(jobs ? { jobs } : {}),
    onEvent: (e) => {
      if (e.type === 'start') say(describeBuildStart(e.arch, e.variant));
    },
  });
  const outcomes = await Promise.all(builds.values());
  for (const o of outcomes) say(describeBuild(o));
  if (values.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
  return buildExitCode(outcomes);
}
