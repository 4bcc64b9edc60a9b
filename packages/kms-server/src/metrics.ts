import type { KmsOperation } from '@pme/kms-local'

/** How a wrap or unwrap request ended, as the metrics count it. */
export type Outcome = 'ok' | 'denied' | 'rate_limited' | 'not_found' | 'invalid' | 'unavailable' | 'error'

/** The `key` label of every id that may not get a series of its own. */
export const OTHER_KEY_LABEL = '_other'

const NAME = 'pme_kms_requests_total'

export function outcomeOf(status: number): Outcome {
  if (status < 300) return 'ok'
  if (status === 401 || status === 403) return 'denied'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  if (status === 503) return 'unavailable'
  return status < 500 ? 'invalid' : 'error'
}

/**
 * The `key` label of a request. Ids come from callers' paths, so only ids that cannot grow without
 * bound get a series: those the access policy names, and those the backend just served. Any other id
 * (unknown, or refused) counts under `_other`, which also keeps metrics from telling which unnamed
 * ids the backend holds.
 */
export function keyLabel(masterKeyId: string, outcome: Outcome, namedKeyIds: ReadonlySet<string>): string {
  return outcome === 'ok' || namedKeyIds.has(masterKeyId) ? masterKeyId : OTHER_KEY_LABEL
}

/** A label value in the Prometheus text format: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** Wrap and unwrap counters by operation, key label and outcome, rendered in Prometheus text format 0.0.4. */
export class RequestMetrics {
  readonly #counts = new Map<string, { operation: KmsOperation; key: string; outcome: Outcome; count: number }>()

  record(operation: KmsOperation, key: string, outcome: Outcome): void {
    const id = JSON.stringify([operation, key, outcome])
    const series = this.#counts.get(id) ?? { operation, key, outcome, count: 0 }
    series.count++
    this.#counts.set(id, series)
  }

  render(): string {
    const lines = [...this.#counts.values()]
      .sort((a, b) => compare(a.operation, b.operation) || compare(a.key, b.key) || compare(a.outcome, b.outcome))
      .map(
        ({ operation, key, outcome, count }) =>
          `${NAME}{operation="${operation}",key="${escapeLabelValue(key)}",outcome="${outcome}"} ${count}`,
      )
    return [
      `# HELP ${NAME} Wrap and unwrap requests, by master key and outcome.`,
      `# TYPE ${NAME} counter`,
      ...lines,
      '',
    ].join('\n')
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
