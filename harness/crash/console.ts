/**
 * One serial console line as the crash parser sees it: terminal noise removed and the printk
 * prefix split off. Pure; never throws, whatever bytes the guest or QEMU wrote.
 */

export interface ConsoleLine {
  /** The line without CR, ANSI escapes, NUL/control bytes or U+FFFD, at most MAX_LINE chars. */
  readonly clean: string;
  /** `clean` without the printk prefix (`<6>`, `[    1.234567]`, `[    T1]`). */
  readonly text: string;
  /** The CONFIG_PRINTK_CALLER id ("T1" for a task, "C0" for a CPU in interrupt), when printed. */
  readonly caller: string | undefined;
}

/**
 * printk never emits a record longer than 1024 bytes (PRINTKRB_RECORD_MAX), so a longer
 * "line" is garbage or a lost newline; only its head can hold anything we recognise, and
 * capping it keeps every regexp below linear on a 10 MB line.
 */
export const MAX_LINE = 1024;

// CSI (colours, cursor moves), OSC (window titles) and the two-byte escapes a terminal or
// QEMU's serial multiplexer may leave in a captured console.
const ANSI = /\x1b(?:\[[0-?]*[ -\/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()#][0-9A-Za-z]|[@-Z\\-_])/g;
// C0 controls except TAB (rcu stall lines are indented with one), DEL, and the replacement
// character a UTF-8 decoder puts where the guest wrote invalid bytes.
const JUNK = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/g;
const HAS_JUNK = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/;
// Optional syslog level, timestamp and caller id; CONFIG_PRINTK_CALLER writes the id in its
// own brackets right after the timestamp: "[    0.123456][    T1] ".
const PREFIX = /^(?:<\d{1,3}>)?(?:\[ *\d+\.\d+\])?(?:\[ *([TC]\d+)\])?/;

export function cleanLine(raw: string): string {
  let s = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
  if (s.includes('\x1b')) s = s.replace(ANSI, '');
  return HAS_JUNK.test(s) ? s.replace(JUNK, '') : s;
}

export function toConsoleLine(raw: string): ConsoleLine {
  const clean = cleanLine(raw);
  const m = PREFIX.exec(clean);
  if (!m || m[0] === '') return { clean, text: clean, caller: undefined };
  // The kernel separates the prefix from the message with exactly one space; the message
  // itself may start with more (arm64 and x86 indent stack frames by one).
  const skip = clean.charAt(m[0].length) === ' ' ? 1 : 0;
  return { clean, text: clean.slice(m[0].length + skip), caller: m[1] };
}
