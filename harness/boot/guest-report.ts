/**
 * The block images/init.c prints: "@@bootlab <payload> ~<len>" lines between "begin v1"
 * and "end v1". Pure parsing; a line whose length check fails was mangled by interleaved
 * kernel output and is dropped rather than misread.
 */
export interface CmaArea {
  readonly name: string;
  readonly basePfn: number;
  readonly count: number;
  readonly orderPerBit: number;
  readonly used: number;
  readonly maxchunk: number;
}

export interface GuestReport {
  readonly version: number;
  /** True once the "end" line arrived: the areas list is complete. */
  readonly complete: boolean;
  readonly cmdline?: string;
  readonly pageSize?: number;
  readonly areas: readonly CmaArea[];
  /** Allocation smoke test per area: ok, or the failure detail. */
  readonly alloc: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>;
  readonly cmaTotalKiB?: number;
  readonly cmaFreeKiB?: number;
  readonly nodes: readonly { readonly id: number; readonly startPfn: number; readonly endPfn: number }[];
  /** Report lines that failed their length check (interleaving). */
  readonly mangled: number;
}

const MARK = '@@bootlab ';

/** Extract the payload of a report line, or undefined if the line is not one (or is damaged). */
export function reportPayload(line: string): string | undefined | null {
  const at = line.indexOf(MARK);
  if (at < 0) return undefined;
  const m = /^(.*) ~(\d+)\s*$/.exec(line.slice(at + MARK.length));
  if (!m || m[1]!.length !== Number(m[2])) return null;
  return m[1]!;
}

function kv(text: string): Map<string, string> {
  return new Map(text.split(' ').filter((p) => p.includes('=')).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

export class GuestReportBuilder {
  private version = 0;
  private begun = false;
  private ended = false;
  private cmdline: string | undefined;
  private pageSize: number | undefined;
  private readonly areas: CmaArea[] = [];
  private readonly alloc: Record<string, { ok: boolean; detail: string }> = {};
  private cmaTotalKiB: number | undefined;
  private cmaFreeKiB: number | undefined;
  private readonly nodes: { id: number; startPfn: number; endPfn: number }[] = [];
  private mangled = 0;

  get seen(): boolean {
    return this.begun;
  }

  get complete(): boolean {
    return this.ended;
  }

  /** Feed one console line; returns true if it belonged to the report. */
  feed(line: string): boolean {
    const payload = reportPayload(line);
    if (payload === undefined) return false;
    if (payload === null) {
      this.mangled++;
      return true;
    }
    const sp = payload.indexOf(' ');
    const tag = sp < 0 ? payload : payload.slice(0, sp);
    const rest = sp < 0 ? '' : payload.slice(sp + 1);
    switch (tag) {
      case 'begin':
        this.begun = true;
        this.version = Number(rest.replace(/^v/, '')) || 0;
        break;
      case 'end':
        this.ended = true;
        break;
      case 'cmdline':
        this.cmdline = rest;
        break;
      case 'pagesize':
        if (Number.isFinite(Number(rest))) this.pageSize = Number(rest);
        break;
      case 'cma': {
        const name = rest.split(' ')[0]!;
        const f = kv(rest);
        const n = (k: string): number => Number(f.get(k) ?? NaN);
        const area = { name, basePfn: n('base_pfn'), count: n('count'), orderPerBit: n('order_per_bit'), used: n('used'), maxchunk: n('maxchunk') };
        // A field that is not a number was not written by images/init.c as it is: misread, not kept.
        if (Object.values(area).some((v) => typeof v === 'number' && !Number.isFinite(v))) this.mangled++;
        else this.areas.push(area);
        break;
      }
      case 'alloc': {
        const [name = '', status = '', ...detail] = rest.split(' ');
        this.alloc[name] = { ok: status === 'ok', detail: detail.join(' ') };
        break;
      }
      case 'meminfo': {
        const f = kv(rest);
        const total = Number(f.get('CmaTotal'));
        const free = Number(f.get('CmaFree'));
        if (total >= 0) this.cmaTotalKiB = total;
        if (free >= 0) this.cmaFreeKiB = free;
        break;
      }
      case 'node': {
        const f = kv(rest);
        const node = { id: Number(rest.split(' ')[0]), startPfn: Number(f.get('start_pfn')), endPfn: Number(f.get('end_pfn')) };
        if (Object.values(node).every(Number.isFinite)) this.nodes.push(node);
        else this.mangled++;
        break;
      }
      default:
        break;
    }
    return true;
  }

  build(): GuestReport {
    return {
      version: this.version,
      complete: this.ended,
      ...(this.cmdline !== undefined ? { cmdline: this.cmdline } : {}),
      ...(this.pageSize !== undefined ? { pageSize: this.pageSize } : {}),
      areas: [...this.areas],
      alloc: { ...this.alloc },
      ...(this.cmaTotalKiB !== undefined ? { cmaTotalKiB: this.cmaTotalKiB } : {}),
      ...(this.cmaFreeKiB !== undefined ? { cmaFreeKiB: this.cmaFreeKiB } : {}),
      nodes: [...this.nodes],
      mangled: this.mangled,
    };
  }
}

export function parseGuestReport(log: string): GuestReport {
  const b = new GuestReportBuilder();
  for (const line of log.split(/\r?\n/)) b.feed(line);
  return b.build();
}

