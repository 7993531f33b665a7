/**
 * The flood defences' settings, from the environment (defaults suit one gateway serving a lab;
 * docs/CONFIGURATION.md lists them). A value that is not a whole number in range stops the start.
 */
export interface RefusalSettings {
  /** Refusals a minute one address may collect before it is answered `rate_limited` up front. */
  refusalsPerMinute: number;
  /** Length of one refusal-summary window. */
  summaryWindowMs: number;
  /** Open connections, per address and in total. */
  maxConnectionsPerAddress: number;
  maxConnections: number;
  /** How long a blocked address waits for its `rate_limited` answer, at most: a flood loop slows to this pace. */
  blockedAnswerDelayMs: number;
}

export const REFUSAL_ENV = {
  refusalsPerMinute: 'AIRLOCK_REFUSALS_PER_MINUTE',
  summaryWindowMs: 'AIRLOCK_REFUSAL_SUMMARY_MS',
  maxConnectionsPerAddress: 'AIRLOCK_MAX_CONNECTIONS_PER_ADDRESS',
  maxConnections: 'AIRLOCK_MAX_CONNECTIONS',
  blockedAnswerDelayMs: 'AIRLOCK_BLOCKED_ANSWER_DELAY_MS',
} as const satisfies Record<keyof RefusalSettings, string>;

export const DEFAULT_REFUSAL_SETTINGS: RefusalSettings = {
  refusalsPerMinute: 120,
  summaryWindowMs: 60_000,
  maxConnectionsPerAddress: 256,
  maxConnections: 10_000,
  blockedAnswerDelayMs: 1_000,
};

const RANGES: Record<keyof RefusalSettings, [number, number]> = {
  refusalsPerMinute: [1, 10_000_000],
  summaryWindowMs: [100, 3_600_000],
  maxConnectionsPerAddress: [1, 1_000_000],
  maxConnections: [1, 1_000_000],
  blockedAnswerDelayMs: [0, 60_000],
};

export function refusalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RefusalSettings {
  const settings = { ...DEFAULT_REFUSAL_SETTINGS };
  for (const key of Object.keys(REFUSAL_ENV) as Array<keyof RefusalSettings>) {
    const raw = env[REFUSAL_ENV[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    const [min, max] = RANGES[key];
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new Error(`${REFUSAL_ENV[key]} must be a whole number from ${min} to ${max}, got "${raw.slice(0, 40)}".`);
    settings[key] = value;
  }
  return settings;
}
