import { MalformedFileError } from '../errors.js'
import type { SchemaElement } from '../thrift/parquet-structs.js'

/** One leaf column: its dot path and the schema element that defines it. */
export interface LeafColumn {
  readonly path: string[]
  readonly dotPath: string
  readonly element: SchemaElement
}

/** Leaf columns in schema order; a leaf's index here is its column ordinal in the AADs. */
export function leafColumns(schema: readonly SchemaElement[]): LeafColumn[] {
  const leaves: LeafColumn[] = []
  let index = 1
  const walk = (prefix: string[], count: number): void => {
    for (let i = 0; i < count; i++) {
      const element = schema[index++]
      if (!element) throw new MalformedFileError('schema has fewer elements than its num_children promise')
      const path = [...prefix, element.name]
      const children = element.num_children ?? 0
      if (children > 0) walk(path, children)
      else leaves.push({ path, dotPath: path.join('.'), element })
    }
  }
  const root = schema[0]
  if (!root) throw new MalformedFileError('schema is empty')
  walk([], root.num_children ?? 0)
  return leaves
}

/** A requested name selects the leaf with that path, or every leaf under the group of that path. */
export function selectsLeaf(requested: string, leaf: LeafColumn): boolean {
  return leaf.dotPath === requested || leaf.dotPath.startsWith(`${requested}.`)
}
