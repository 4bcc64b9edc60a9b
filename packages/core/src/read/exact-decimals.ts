import type { DecodedArray, SchemaElement, SchemaTree } from 'hyparquet'

/**
 * Exact decimals. hyparquet turns DECIMAL values into JavaScript numbers, which keep 15-17 digits: a
 * decimal(38,6) loses its tail. For top-level INT32, INT64 and FIXED_LEN_BYTE_ARRAY decimals the
 * annotation is removed from the schema hyparquet decodes with, so it returns the unscaled integers,
 * which are then written out digit for digit. (Decimals nested in groups, and BYTE_ARRAY decimals,
 * whose bytes would then decode as text, stay numbers.)
 */

const isDecimal = (element: SchemaElement) =>
  element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL'

/** The schema to decode with, and the scale of each top-level decimal column whose annotation it drops. */
export function withUnscaledDecimals(root: SchemaTree): { tree: SchemaTree; scales: Map<string, number> } {
  const scales = new Map<string, number>()
  const children = root.children.map((child) => {
    const { element } = child
    if (child.children.length > 0 || !isDecimal(element) || element.type === 'BYTE_ARRAY') return child
    const logical = element.logical_type
    scales.set(element.name, logical?.type === 'DECIMAL' ? logical.scale : (element.scale ?? 0))
    return { ...child, element: { ...element, converted_type: undefined, logical_type: undefined } }
  })
  return { tree: scales.size > 0 ? { ...root, children } : root, scales }
}

/** A column of unscaled decimals as exact text (null stays null). */
export function decimalColumn(values: DecodedArray, scale: number): DecodedArray {
  return Array.from(values as ArrayLike<unknown>, (value) => decimalText(value, scale)) as DecodedArray
}

/** An unscaled decimal (INT32 number, INT64 bigint, or big-endian two's complement bytes) as exact text. */
function decimalText(unscaled: unknown, scale: number): unknown {
  let value: bigint
  if (typeof unscaled === 'number') value = BigInt(unscaled)
  else if (typeof unscaled === 'bigint') value = unscaled
  else if (unscaled instanceof Uint8Array) {
    value = 0n
    for (const byte of unscaled) value = (value << 8n) | BigInt(byte)
    if (unscaled.length > 0 && (unscaled[0] as number) & 0x80) value -= 1n << BigInt(unscaled.length * 8)
  } else return unscaled // null: no value
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''
  return `${negative ? '-' : ''}${whole}${fraction}`
}
