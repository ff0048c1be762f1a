/**
 * bootlab bisect --series S --arch A --profile P: which patch of S makes the job fail the way
 * the whole series does (bisect/series.ts). Prints each step as it ends, then the table and
 * "first bad patch: ..."; bisect.json in the directory holds every step for --resume.
 */
import { join, resolve } from 'node:path';
import { findProfile } from '../../boot/profile.ts';
import { bisectSeries, formatSteps, loadState, type BisectStep } from '../../bisect/series.ts';
import { loadStackedSeries } from '../../source/series.ts';
import { UserError } from '../../util/errors.ts';
import { parseVariant } from '../../variant.ts';
import type { OptionValues } from '../command.ts';
import { arches, positiveInteger, seconds, string } from '../options.ts';
import { profilesOf } from '../run-matrix.ts';
import { newRunId } from '../../results/model.ts';
import { REPO_ROOT } from '../../util/paths.ts';

export async function run(values: OptionValues): Promise<number> {
  const resume = string(values, 'resume');
  const previous = resume !== undefined ? loadState(resolve(resume)) : undefined;
  if (resume !== undefined && previous === undefined) throw new UserError(`--resume ${resume}: there is no bisect.json in that directory. Give the directory a bisection was started in (its --out).`);
  const spec = string(values, 'series') ?? (previous ? `${previous.seriesSpec}${previous.config === 'default' ? '' : `@${previous.config}`}` : undefined);
  if (spec === undefined) throw new UserError('bootlab bisect needs --series <name>: the patch series whose first bad patch to find (a+b stacks b on a).');
  const asked = parseVariant(spec, '--series');
  if (asked.series === undefined) throw new UserError(`--series ${spec} names the baseline: give the series to bisect.`);
  const series = loadStackedSeries(asked.series);
  // A series given by path is found again from anywhere on --resume.
  const seriesSpec = asked.series.split('+').map((part) => (part.includes('/') ? resolve(part) : part)).join('+');
  const archList = arches(values, 'arch') ?? (previous ? [previous.arch] : undefined);
  if (archList?.length !== 1) throw new UserError('bootlab bisect boots one job: give exactly one --arch.');
  const profiles = profilesOf(values);
  const profileName = string(values, 'profile') ?? previous?.profile;
  if (profileName === undefined || profileName.includes(',')) throw new UserError('bootlab bisect boots one job: give exactly one --profile.');
  const profile = findProfile(profileName, profiles);
  const repeat = positiveInteger(values, 'repeat') ?? previous?.repeat ?? 1;
  const dir = resume !== undefined ? resolve(resume) : resolve(string(values, 'out') ?? join(REPO_ROOT, 'results', `bisect-${newRunId(new Date())}`));
  const inactivityMs = seconds(values, 'inactivity');
  const timeoutMs = seconds(values, 'timeout');
  const kernelSrc = string(values, 'kernel-src');
  const json = values.json === true;
  const out = json ? process.stderr : process.stdout;
  out.write(`bisecting ${series.name} (${series.patches.length} patches) on ${archList[0]} ${profile.name} in ${dir}\n`);
  const state = await bisectSeries({
    dir,
    arch: archList[0]!,
    profile: profile.name,
    profiles,
    series,
    seriesSpec,
    config: asked.config,
    repeat,
    anyFailure: values['any-failure'] === true || previous?.anyFailure === true,
    ...(kernelSrc !== undefined ? { kernelSrc } : {}),
    ...(inactivityMs || timeoutMs ? { monitor: { ...(inactivityMs ? { inactivityMs } : {}), ...(timeoutMs ? { timeoutMs } : {}) } } : {}),
    onStep: (s: BisectStep) => out.write(`  ${s.position}/${series.patches.length} patches: ${s.outcome} (${s.signature}) ${s.why}\n`),
  });
  const result = state.result!;
  if (json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  else {
    process.stdout.write(formatSteps(state));
    for (const skipped of state.steps.filter((x) => x.outcome === 'skip')) process.stdout.write(`skipped: ${state.patches[skipped.position - 1]?.file ?? '(no patch)'}: ${skipped.why}\n`);
    if (result.firstBad) process.stdout.write(`first bad step: ${join(dir, state.steps.find((s) => s.position === result.firstBad!.position)!.runDir)}\n`);
  }
  out.write(`${result.message}\n`);
  return result.exitCode;
}
