/**
 * bootlab boot: a one-group matrix (arches x baseline and each series x profiles) made on
 * the command line and run by the same runner as bootlab run, with the same results, and
 * the same exit code rule.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { findProfile } from '../../boot/profile.ts';
import { oneGroupMatrix } from '../../matrix.ts';
import { exitCode } from '../../results/exit.ts';
import { PREBUILT } from '../../run/runner.ts';
import { UserError } from '../../util/errors.ts';
import type { OptionValues } from '../command.ts';
import { arches, list, string, variantList } from '../options.ts';
import { withBaselines } from '../../variant.ts';
import { describeJob } from '../printer.ts';
import { profilesOf, runFromCommandLine } from '../run-matrix.ts';

export async function run(values: OptionValues): Promise<number> {
  const archList = arches(values, 'arch')!;
  const profiles = profilesOf(values);
  const wanted = (list(values, 'profile') ?? []).map((p) => findProfile(p, profiles));
  if (wanted.length === 0) throw new UserError('--profile is empty: give one or more profile names.');
  const kernel = string(values, 'kernel');
  let image: string | undefined;
  let variants: string[];
  const asked = variantList(values, 'series');
  if (kernel !== undefined) {
    if (archList.length !== 1) throw new UserError('--kernel boots one prebuilt image: give exactly one --arch.');
    if (asked.length > 0) throw new UserError('--kernel boots the image as it is: leave out --series, or build with it instead of --kernel.');
    image = resolve(kernel);
    if (!existsSync(image)) throw new UserError(`--kernel ${image}: no such file.`);
    variants = [PREBUILT];
  } else {
    variants = withBaselines(asked).map((v) => v.name);
  }
  const matrix = oneGroupMatrix('boot', { arches: archList, variants, profiles: wanted.map((p) => p.name) });
  const json = values.json === true;
  const { summary, runDir } = await runFromCommandLine(values, {
    matrix,
    profiles,
    series: new Map(asked.flatMap((v) => (v.series ? [[v.series.name, v.series] as const] : []))),
    ...(image !== undefined ? { prebuilt: { kernel: { image, rebuild: `not built by bootlab: the image was given with --kernel ${image}` } } } : {}),
    quiet: json,
  });
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${summary.jobs.map((j) => describeJob(j, runDir)).join('\n')}\n`);
  return exitCode(summary);
}
