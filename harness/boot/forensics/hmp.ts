/**
 * A minimal client for QEMU's human monitor (HMP) on a unix socket: send a command, read
 * until the next "(qemu) " prompt. Every call has a deadline, because the point of talking
 * to the monitor is to look inside a guest that is already stuck.
 */
import { connect, type Socket } from 'node:net';

const PROMPT = '(qemu) ';

export class HumanMonitor {
  private buffer = '';
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiter?.();
    });
  }

  /** Open, run one command, close. */
  static async send(path: string, cmd: string, timeoutMs = 2000): Promise<string> {
    const m = await HumanMonitor.open(path, timeoutMs);
    try {
      return await m.command(cmd, timeoutMs);
    } finally {
      m.close();
    }
  }

  static async open(path: string, timeoutMs: number): Promise<HumanMonitor> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`monitor ${path}: no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const m = new HumanMonitor(socket);
    await m.untilPrompt(timeoutMs);
    m.buffer = '';
    return m;
  }

  private untilPrompt(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`monitor: no prompt within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        const at = this.buffer.lastIndexOf(PROMPT);
        if (at < 0) return;
        clearTimeout(timer);
        this.waiter = undefined;
        const out = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + PROMPT.length);
        resolve(out);
      };
      this.waiter = check;
      check();
    });
  }

  /** Run one command; returns its output without the echoed command line and escape codes. */
  async command(cmd: string, timeoutMs = 2000): Promise<string> {
    this.socket.write(`${cmd}\n`);
    const raw = await this.untilPrompt(timeoutMs);
    // HMP echoes the command and redraws the line with escape sequences.
    const clean = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    const lines = clean.split('\n');
    if (lines[0]?.includes(cmd.split(' ')[0]!)) lines.shift();
    return lines.join('\n').trim();
  }

  close(): void {
    this.socket.destroy();
  }
}
