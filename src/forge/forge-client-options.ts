/**
 * What every forge client over a REST API (GitLab, Gitea, Bitbucket) is made with; each forge's options
 * extend it with what is its own (the server's address, a fetch).
 */
export interface ForgeClientOptions {
  /** drydock's access token on the forge; the forge's factory says which kind and which scopes. */
  token: string;
  /** The git remote of a repository (tests point it at a local bare repository); each forge has a default. */
  gitUrl?: (path: string) => string;
  /** Attempts of a call the forge answered with a 5xx or a 429, or did not answer (default 3). */
  maxAttempts?: number;
  /** The longest wait between attempts, Retry-After included (default 30 s). */
  maxRetryAfterMs?: number;
  /** Waits between attempts (tests record them instead). */
  sleep?: (ms: number) => Promise<void>;
}
