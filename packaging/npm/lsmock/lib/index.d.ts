/** Options of start(). Everything is optional: lsmock's embedded defaults serve. */
export interface StartOptions {
  /** A folder of scenario files (--scenarios); default: the embedded ones. */
  scenarios?: string;
  /** An OpenAPI file to serve instead of the embedded one (--spec). */
  spec?: string;
  /** Signing checks: "off", "format" (default) or "strict" (--auth). */
  auth?: 'off' | 'format' | 'strict';
  /** An API key lsmock knows, with its shared key (--api-key, --shared-key). */
  apiKey?: string;
  sharedKey?: string;
  /** An OAuth client the token endpoint knows (--client-id, --client-secret). */
  clientId?: string;
  clientSecret?: string;
  /** Environment for the lsmock process, added to process.env (LSMOCK_* settings). */
  env?: Record<string, string>;
  /** More command-line flags for `lsmock serve`. */
  args?: string[];
  /** Where to listen: 127.0.0.1 and a free port by default. */
  host?: string;
  port?: number;
  /** How long to wait for lsmock to serve, in ms (default 15000). */
  timeout?: number;
  /** The lsmock binary; default LSMOCK_BINARY, else the platform package's. */
  binary?: string;
  /** Called with each line lsmock logs (JSON). */
  onLog?: (line: string) => void;
}

/** What lsmock journaled about one request (GET /__lsmock/requests), secrets redacted. */
export interface JournalEntry {
  id: number;
  time: string;
  method: string;
  path: string;
  session: string;
  operation?: string;
  scenario?: string;
  selection?: string;
  status: number;
  code?: string;
  detail?: string;
  headers?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  body_bytes: number;
}

/** Which journal entries requests() returns; all fields optional. */
export interface RequestFilter {
  session?: string;
  operation?: string;
  scenario?: string;
  code?: string;
  status?: number;
  limit?: number;
}

/** An expectation for assertRequests(): one of count (exactly) and at_least. */
export interface RequestAssertion extends Omit<RequestFilter, 'limit'> {
  count?: number;
  at_least?: number;
}

/** A test clock as lsmock shows it (GET /__lsmock/sessions/{session}/clock). */
export interface ClockState {
  /** The session's name; absent for the global clock. */
  session?: string;
  /** The time the session's licenses are held to, ISO 8601 in UTC. */
  now: string;
  /** Whether this clock (the session's own, or the global one) is set: then it is frozen. */
  set: boolean;
  /** Where now comes from: the session's own clock, the global one, or real time. */
  source: 'session' | 'global' | 'real';
}

/**
 * A test clock, as Stripe's: frozen once set, moved only by the test. Everything
 * time-dependent in its session follows it: validity, valid_duration, trials, floating
 * timeouts, borrows (the global clock also OAuth tokens). The Date of signed requests keeps
 * to real time.
 */
export interface Clock {
  /** The clock as lsmock shows it. */
  get(): Promise<ClockState>;
  /** The time the session is held to now. */
  now(): Promise<Date>;
  /** Freezes the clock at a time (a Date, or ISO 8601 such as "2027-01-01T00:00:00Z"). */
  set(when: Date | string): Promise<ClockState>;
  /** Moves the clock forward and freezes it: "31d", "36h", "1d12h" (Go durations plus days), or milliseconds. */
  advance(by: string | number): Promise<ClockState>;
  /** Back to real time (a session's then follows the global clock, if set). */
  reset(): Promise<ClockState>;
}

export interface Lsmock {
  /** The base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The License API's path for an SDK's apiPath: url + "/api/v4". */
  apiPath: string;
  /** The OAuth token endpoint for an SDK's tokenUrl. */
  tokenUrl: string;
  /** The public key (PEM) lsmock signs answers with: the SDK's publicKey. */
  publicKey: string;
  /** Pins a scenario for one session (an API key or X-Lsmock-Session value), or for everyone. */
  pin(name: string, session?: string): Promise<unknown>;
  /** Clears the pins of one session, or the global ones. */
  unpin(session?: string): Promise<unknown>;
  /** Clears all state (licenses, passwords, pins, progress), or one session's. */
  reset(session?: string): Promise<unknown>;
  /** The journal, newest first. */
  requests(filter?: RequestFilter): Promise<JournalEntry[]>;
  /** Resolves when the expectation holds (counted over every request), rejects with what was seen. */
  assertRequests(expectation: RequestAssertion): Promise<unknown>;
  /**
   * A session's test clock (an API key or X-Lsmock-Session value), or without one the clock
   * of every session that has none of its own; a session's own clock wins.
   */
  clock(session?: string): Clock;
  /** Stops lsmock (SIGTERM; it ends held requests at once) and resolves when it has exited. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

/** Starts lsmock and resolves once it answers /__lsmock/health. */
export function start(options?: StartOptions): Promise<Lsmock>;

/** The path of the lsmock binary start() would run; throws when there is none. */
export function binaryPath(): string;
