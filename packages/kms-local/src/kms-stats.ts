export interface KmsCallCounts {
  /** Wrap requests received, denied ones included. */
  wrapCalls: number
  /** Unwrap requests received, denied ones included. */
  unwrapCalls: number
  /** Requests the access policy refused. */
  denied: number
}

export interface KmsStats {
  total: KmsCallCounts
  /** Per master key id known to the KMS. Calls naming unknown ids count in `total` only. */
  byMasterKey: Record<string, KmsCallCounts>
}

const zero = (): KmsCallCounts => ({ wrapCalls: 0, unwrapCalls: 0, denied: 0 })

/** Call counters for tests (did the KEK cache spare a KMS call?) and for metrics endpoints. */
export class KmsCounters {
  #total = zero()
  // Only known ids get a row: ids come from callers, and counting each new one would let a caller
  // grow this map without bound.
  #byMasterKey = new Map<string, KmsCallCounts>()

  record(masterKeyId: string, known: boolean, field: keyof KmsCallCounts): void {
    this.#total[field]++
    if (!known) return
    let counts = this.#byMasterKey.get(masterKeyId)
    if (!counts) {
      counts = zero()
      this.#byMasterKey.set(masterKeyId, counts)
    }
    counts[field]++
  }

  /** A snapshot: later calls do not change it. */
  snapshot(): KmsStats {
    // fromEntries defines own properties, so even an id spelt "__proto__" gets its row.
    const byMasterKey = Object.fromEntries([...this.#byMasterKey].map(([id, counts]) => [id, { ...counts }]))
    return { total: { ...this.#total }, byMasterKey }
  }

  reset(): void {
    this.#total = zero()
    this.#byMasterKey.clear()
  }
}
