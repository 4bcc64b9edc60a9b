import { checkKey } from '../crypto/aes.js'
import { PmeError, UsageError } from '../errors.js'
import { type LeafColumn, selectsLeaf } from '../format/schema.js'
import type { EncryptionProperties, KeySpec } from './encryption-properties.js'

/** How one leaf column is written. */
export type ColumnPlan =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'footer-key' }
  | { readonly kind: 'column-key'; readonly spec: KeySpec }

function checked(spec: KeySpec, what: string): KeySpec {
  try {
    checkKey(spec.key, what)
  } catch (error) {
    throw PmeError.is(error) ? new UsageError(error.detail) : error
  }
  return spec
}

/**
 * Decides each leaf's key. Every configured name must select at least one leaf, and no leaf may be
 * selected twice: a typo must not leave a sensitive column in plaintext.
 */
export function planColumns(leaves: readonly LeafColumn[], props: EncryptionProperties): ColumnPlan[] {
  checked(props.footerKey, 'the footer key')
  const entries = Object.entries(props.columnKeys ?? {})
  if (entries.length === 0) return leaves.map(() => ({ kind: 'footer-key' }))
  const plans: (ColumnPlan | undefined)[] = leaves.map(() => undefined)
  for (const [name, spec] of entries) {
    checked(spec, `the key of column ${name}`)
    let selected = 0
    leaves.forEach((leaf, index) => {
      if (!selectsLeaf(name, leaf)) return
      if (plans[index]) throw new UsageError(`column ${leaf.dotPath} is given a key twice (through "${name}")`)
      plans[index] = { kind: 'column-key', spec }
      selected++
    })
    if (selected === 0) {
      throw new UsageError(
        `column "${name}" in the column keys is not in the schema (${leaves.map((l) => l.dotPath).join(', ')})`,
      )
    }
  }
  return plans.map((plan) => plan ?? (props.completeColumns ? { kind: 'footer-key' } : { kind: 'plaintext' }))
}
