/*
 * Deterministic mutations of a Parquet file. An input is named by (base, seed): the same pair gives
 * the same bytes on every machine, so a failure found in CI can be replayed anywhere.
 */

/** mulberry32: small, fast and good enough to spread mutations; not for anything secret. */
export function random(seed) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)] }
}

/** The footer region [start, end) the trailing length points at (end excludes length and magic). */
function footerRange(bytes) {
  if (bytes.length < 12) return { start: 0, end: 0 }
  const end = bytes.length - 8
  const length = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true)
  return { start: Math.max(4, end - length), end }
}

function bitFlips(bytes, rng) {
  const out = bytes.slice()
  const flips = 1 + rng.int(8)
  for (let i = 0; i < flips; i++) out[rng.int(out.length)] ^= 1 << rng.int(8)
  return out
}

function overwrite(bytes, rng) {
  const out = bytes.slice()
  const length = 1 + rng.int(16)
  const at = rng.int(out.length)
  // Interesting values as well as noise: lengths and counts break at the edges.
  const fill = rng.pick(['random', 'zero', 'ff', 'max-varint'])
  for (let i = at; i < Math.min(out.length, at + length); i++) {
    out[i] =
      fill === 'random' ? rng.int(256) : fill === 'zero' ? 0 : fill === 'ff' ? 0xff : i < at + length - 1 ? 0xff : 0x07
  }
  return out
}

function truncate(bytes, rng) {
  return bytes.slice(0, rng.int(bytes.length))
}

/** Copies a chunk of the file to another place, inserted or overwriting (duplicated pages, modules). */
function duplicate(bytes, rng) {
  const length = 1 + rng.int(Math.min(512, bytes.length))
  const from = rng.int(bytes.length - length + 1)
  const to = rng.int(bytes.length)
  const chunk = bytes.slice(from, from + length)
  if (rng.next() < 0.5) {
    const out = bytes.slice()
    out.set(chunk.subarray(0, out.length - to), to)
    return out
  }
  const out = new Uint8Array(bytes.length + length)
  out.set(bytes.subarray(0, to))
  out.set(chunk, to)
  out.set(bytes.subarray(to), to + length)
  return out
}

function footerLength(bytes, rng) {
  if (bytes.length < 8) return bitFlips(bytes, rng)
  const out = bytes.slice()
  const view = new DataView(out.buffer, out.byteOffset + out.length - 8, 4)
  const current = view.getUint32(0, true)
  const value = rng.pick([
    () => rng.int(2 ** 32),
    () => current + rng.int(64) - 32,
    () => out.length - 8 + rng.int(16) - 8,
    () => 0,
  ])()
  view.setUint32(0, value >>> 0, true)
  return out
}

/** Random bytes over a run inside the footer: lengths, counts, types and field ids of Thrift. */
function footerThrift(bytes, rng) {
  const out = bytes.slice()
  const { start, end } = footerRange(out)
  if (end <= start) return bitFlips(bytes, rng)
  const at = start + rng.int(end - start)
  const length = 1 + rng.int(8)
  for (let i = at; i < Math.min(end, at + length); i++) out[i] = rng.int(256)
  return out
}

export const MUTATIONS = {
  'bit-flip': bitFlips,
  overwrite,
  truncate,
  duplicate,
  'footer-length': footerLength,
  'footer-thrift': footerThrift,
}

export const MUTATION_KINDS = Object.keys(MUTATIONS)

/** The input of one seed: a mutation kind (sometimes two stacked) applied to the base. */
export function mutate(base, seed) {
  const rng = random(seed)
  const kinds = [rng.pick(MUTATION_KINDS)]
  if (rng.next() < 0.2) kinds.push(rng.pick(MUTATION_KINDS))
  let bytes = base
  for (const kind of kinds) bytes = MUTATIONS[kind](bytes, rng)
  return { bytes, kinds, variant: rng.int(4) }
}
