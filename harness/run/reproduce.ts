/**
 * reproduce.sh: a POSIX sh script, written into a job's directory before QEMU starts, that
 * boots the same machine again with QEMU alone (no bootlab, no node): the command line as it
 * was recorded, after checking that the kernel, initramfs and device tree are the files that
 * were booted. `reproduce.sh --gdb` starts it paused with a gdb stub. Pure: inputs in, text out.
 */
import { basename } from 'node:path';
import { gdbCommandLine, gdbSession, GDB_SOCKET } from '../boot/gdb.ts';
import { debuggable } from '../boot/qemu.ts';
import { shellWord } from '../util/text.ts';
import type { BootedFile, KernelRecord, RunSummary } from '../results/model.ts';

export const REPRODUCE_SCRIPT = 'reproduce.sh';

/** Everything the script's header says about where the boot came from. */
export interface Provenance {
  readonly job: string;
  readonly run: Pick<RunSummary, 'runId' | 'matrix' | 'bootlab' | 'kernel' | 'series' | 'tools'>;
}

export interface ReproducerInputs {
  readonly provenance: Provenance;
  /** QEMU's command line, the program first, as bootlab ran it. */
  readonly argv: readonly string[];
  /** The job's directory, where the script lives: paths in it are written relative to the script. */
  readonly jobDir: string;
  readonly kernel: KernelRecord;
  readonly initrd: BootedFile;
  readonly dtb?: BootedFile;
}

/** One word for sh: quoted where it must be, and "$here" left to the shell where a path is in the job's directory. */
function word(arg: string, jobDir: string): string {
  const at = arg.indexOf(`${jobDir}/`);
  if (at < 0) return shellWord(arg);
  const inside = arg.slice(at + jobDir.length + 1);
  return `${at > 0 ? shellWord(arg.slice(0, at)) : ''}"$here"/${shellWord(inside)}`;
}

/** The command, an option and its value on one line each. */
function line(argv: readonly string[], jobDir: string): string {
  const lines: string[] = [];
  argv.forEach((a, k) => {
    const w = word(a, jobDir);
    if (k > 0 && !a.startsWith('-') && argv[k - 1]!.startsWith('-') && lines.length > 1) lines[lines.length - 1] += ` ${w}`;
    else lines.push(w);
  });
  return lines.join(' \\\n      ');
}

export function reproducerScript(i: ReproducerInputs): string {
  const p = i.provenance;
  const r = p.run;
  // bootlab's monitor socket is a temporary file of its own: the script's is beside it.
  const argv = i.argv.map((a, k) => (i.argv[k - 1] === '-monitor' && a.startsWith('unix:') ? 'unix:monitor.sock,server=on,wait=off' : a));
  const qemu = basename(argv[0]!);
  const tools = Object.entries(r.tools).filter(([t]) => t !== 'node').map(([t, v]) => `#   ${t}: ${v}`);
  const series = r.series.flatMap((s) => [`#   ${s.name} (${s.hash.slice(0, 12)})`, ...s.patches.map((pt) => `#     ${pt.file} sha256 ${pt.sha256}`)]);
  const files = [i.kernel, i.initrd, ...(i.dtb ? [i.dtb] : [])];
  const gdbHint = `cd "$here" && ${gdbCommandLine(gdbSession(i.kernel.vmlinux))}`;
  return `#!/bin/sh
# Boot job ${p.job} again, as bootlab booted it, with ${qemu} alone.
#   ./${REPRODUCE_SCRIPT}         the same machine; its console on stdout (QEMU: Ctrl-A x quits)
#   ./${REPRODUCE_SCRIPT} --gdb   the same, paused at the first instruction, a gdb stub on gdb.sock
#                          beside this script, the kernel's address randomization off
#
# run        ${r.runId}, matrix ${r.matrix}
# bootlab    ${r.bootlab.version}${r.bootlab.commit ? ` (commit ${r.bootlab.commit})` : ''}
# kernel     Linux ${r.kernel.version} from ${r.kernel.origin} (source ${r.kernel.sourceHash.slice(0, 12)}${r.kernel.gitCommit ? `, commit ${r.kernel.gitCommit}` : ''})
# series${series.length > 0 ? `\n${series.join('\n')}` : '     none'}
# image      ${i.kernel.path}
# vmlinux    ${i.kernel.vmlinux ?? '(not known: the image was given as it is)'}
# config     ${i.kernel.config ?? '(not known)'}
# tools
${tools.join('\n')}
# rebuild    ${i.kernel.rebuild}
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rebuild=${word(i.kernel.rebuild, i.jobDir)}
check() {
  if [ ! -f "$1" ]; then
    echo "${REPRODUCE_SCRIPT}: $1 is gone. Build it again: $rebuild" >&2
    exit 2
  fi
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$sum" != "$2" ]; then
    echo "${REPRODUCE_SCRIPT}: $1 is not the file bootlab booted (its sha256 is $sum, it was $2). Build it again: $rebuild" >&2
    exit 2
  fi
}
${files.map((f) => `check ${word(f.path, i.jobDir)} '${f.sha256}'`).join('\n')}
cd "$here"
case "\${1:-}" in
  '')
    exec ${line(argv, i.jobDir)}
    ;;
  --gdb)
    rm -f gdb.sock
    echo "${REPRODUCE_SCRIPT}: QEMU waits for gdb on $here/gdb.sock; attach with:" >&2
    echo "  ${gdbHint.replace(/"/g, '\\"')}" >&2
    exec ${line(debuggable(argv, GDB_SOCKET), i.jobDir)}
    ;;
  *)
    echo "usage: $0 [--gdb]" >&2
    exit 2
    ;;
esac
`;
}
