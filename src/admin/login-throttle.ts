/**
 * Slows down password guessing: each failed login from a source IP makes that IP's next attempt wait longer
 * (doubling from 250 ms, at most 8 s), until a success or 15 quiet minutes. Kept in memory per execution
 * environment: Lambda may run several, so this slows an attacker down rather than locking anyone out, and it never
 * holds an invocation longer than the cap (the function's timeout is 30 s).
 */
export interface ThrottleOptions {
  baseMs?: number;
  maxMs?: number;
  forgetAfterMs?: number;
  /** How many source IPs are remembered at most (oldest dropped first), so a spray cannot grow memory without bound. */
  maxTracked?: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxTracked: number;

  constructor(options: ThrottleOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.maxMs = options.maxMs ?? 8000;
    this.forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.maxTracked = options.maxTracked ?? 10_000;
  }

  /** How long an attempt from `ip` must wait before its password is checked. */
  delayFor(ip: string, now = Date.now()): number {
    const f = this.failures.get(ip);
    if (!f || now - f.last > this.forgetAfterMs) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** (f.count - 1));
  }

  failed(ip: string, now = Date.now()): void {
    const f = this.failures.get(ip);
    const count = f && now - f.last <= this.forgetAfterMs ? f.count + 1 : 1;
    this.failures.delete(ip);
    this.failures.set(ip, { count, last: now });
    if (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(ip: string): void {
    this.failures.delete(ip);
  }
}
