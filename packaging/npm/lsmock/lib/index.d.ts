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

/**
 * A license declared at run time, in the format of the scenario files' `licenses:` items
 * (docs/scenarios.md). Without license_key or username, a key-based product's license gets a
 * generated key, the same in every run for the same session and order.
 */
export interface LicenseDeclaration {
  /** The product's short_code: one of the files' or one this session created. */
  product: string;
  license_key?: string;
  /** A user-based product's license names a declared user instead of a key. */
  username?: string;
  license_type?: 'perpetual' | 'time-limited' | 'subscription' | 'consumption';
  max_activations?: number;
  allow_unlimited_activations?: boolean;
  license_enabled?: boolean;
  license_active?: boolean;
  /** A date ("2027-01-31") or time; past it: license_expired (trial_expired for a trial). */
  validity_period?: string;
  /** "30d", "12h", "2w", "6m", "1y": valid that long from the session's first activation. */
  valid_duration?: string;
  is_trial?: boolean;
  trial_days?: number;
  is_floating?: boolean;
  is_floating_cloud?: boolean;
  /** Seats: the next device's check gets floating_not_available. */
  floating_users?: number;
  /** Minutes without a check after which a seat is free again (the session's clock counts them). */
  floating_timeout?: number;
  can_borrow?: boolean;
  max_borrow_time?: number;
  max_transfers?: number;
  max_consumptions?: number;
  product_features?: Array<Record<string, unknown>>;
  customer?: Record<string, unknown>;
  /** Every other key of a scenario file's license (lsmock checks them as `lsmock lint` does). */
  [key: string]: unknown;
}

/** A product declared at run time, as under `products:` in a scenario file. */
export interface ProductDeclaration {
  short_code: string;
  product_name?: string;
  authorization_method?: 'license-key' | 'user';
  /** trial_key answers (else trial_not_allowed), for trial_days (default 14). */
  allow_trial?: boolean;
  trial_days?: number;
  trial_license_type?: 'perpetual' | 'time-limited' | 'subscription' | 'consumption';
  trial_max_activations?: number;
  floating_timeout?: number;
  [key: string]: unknown;
}

/** A user declared at run time, as under `users:`; without a password lsmock generates one. */
export interface UserDeclaration {
  username: string;
  password?: string;
  [key: string]: unknown;
}

/** A bundle declared at run time, as under `bundles:`. */
export interface BundleDeclaration {
  code: string;
  license_key?: string;
  username?: string;
  /** Keys of declared licenses, or {username, product} for a user-based one. */
  licenses: Array<string | { username: string; product: string }>;
  [key: string]: unknown;
}

/** A customer account whose users (users the session declared) log in by single sign-on. */
export interface CustomerAccountDeclaration {
  code: string;
  name?: string;
  users: string[];
  [key: string]: unknown;
}

/** One run-time declaration for create(): exactly one of its keys. */
export type Declaration =
  | { license: LicenseDeclaration }
  | { product: ProductDeclaration }
  | { user: UserDeclaration }
  | { bundle: BundleDeclaration }
  | { customer_account: CustomerAccountDeclaration };

/** What lsmock created (its 201 answer); ref names it for deleteLicense(). */
export interface Created {
  kind: 'license' | 'product' | 'user' | 'bundle' | 'customer_account';
  /** "KEY", "user:ann@example.com/PRODUCT", "product:CODE", "user:NAME", "bundle:CODE" or "customer_account:CODE". */
  ref: string;
  product?: string;
  license_key?: string;
  username?: string;
  /** A user's password: the one declared or the one lsmock generated. */
  password?: string;
  bundle?: string;
  customer_account_code?: string;
}

/** One field of an invalid declaration, placed in the JSON that was sent. */
export interface FieldError {
  /** The field's path, e.g. "license.max_activations". */
  field: string;
  line: number;
  column: number;
  message: string;
}

/**
 * An admin call lsmock refused. For createLicense(), create() and deleteLicense() the message
 * is lsmock's own ("lsmock: license.max_activations: max_activations must not be negative").
 */
export declare class LsmockError extends Error {
  name: 'LsmockError';
  /** The HTTP status: 400 invalid_declaration, 404 not_found, 409 declarations_full or in_use, 413 body_too_large. */
  status: number;
  code?: string;
  /** An invalid declaration's fields. */
  errors?: FieldError[];
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
  /**
   * Declares a license for one session only (an API key or X-Lsmock-Session value): another
   * session never sees it, reset(session) removes it. Resolves to what was created (its
   * generated key, if it had none); rejects with an LsmockError: 400 invalid_declaration
   * (errors names the fields), 409 declarations_full (100 per session), 413 body_too_large.
   */
  createLicense(session: string, license: LicenseDeclaration): Promise<Created>;
  /** Declares a license, product, user, bundle or customer account for one session, as createLicense() does. */
  create(session: string, decl: Declaration): Promise<Created>;
  /**
   * Deletes one run-time declaration (its Created.ref) with its state (devices, consumption),
   * or without a ref all of the session's. Rejects with an LsmockError: 404 not_found, 409
   * in_use when another declaration names it (delete that first).
   */
  deleteLicense(session: string, ref?: string): Promise<void>;
  /** Stops lsmock (SIGTERM; it ends held requests at once) and resolves when it has exited. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

/** Starts lsmock and resolves once it answers /__lsmock/health. */
export function start(options?: StartOptions): Promise<Lsmock>;

/** The path of the lsmock binary start() would run; throws when there is none. */
export function binaryPath(): string;
