import { MalformedFileError } from '../errors.js'
import type { SchemaElement } from '../thrift/parquet-structs.js'

/** One leaf column: its dot path and the schema element that defines it. */
export interface LeafColumn {
  readonly path: string[]
  readonly dotPath: string
  readonly element: SchemaElement
  /** Levels a page of this column carries: 0 means that level section is absent. */
  readonly maxDefinitionLevel: number
  readonly maxRepetitionLevel: number
}

const OPTIONAL = 1
const REPEATED = 2

/** Leaf columns in schema order; a leaf's index here is its column ordinal in the AADs. */
export function leafColumns(schema: readonly SchemaElement[]): LeafColumn[] {
  const leaves: LeafColumn[] = []
  let index = 1
  const walk = (prefix: string[], count: number, definition: number, repetition: number): void => {
    for (let i = 0; i < count; i++) {
      const element = schema[index++]
      if (!element) throw new MalformedFileError('schema has fewer elements than its num_children promise')
      const path = [...prefix, element.name]
      const maxDefinitionLevel =
        definition + (element.repetition_type === OPTIONAL || element.repetition_type === REPEATED ? 1 : 0)
      const maxRepetitionLevel = repetition + (element.repetition_type === REPEATED ? 1 : 0)
      const children = element.num_children ?? 0
      if (children > 0) walk(path, children, maxDefinitionLevel, maxRepetitionLevel)
      else leaves.push({ path, dotPath: path.join('.'), element, maxDefinitionLevel, maxRepetitionLevel })
    }
  }
  const root = schema[0]
  if (!root) throw new MalformedFileError('schema is empty')
  walk([], root.num_children ?? 0, 0, 0)
  return leaves
}

/** A requested name selects the leaf with that path, or every leaf under the group of that path. */
export function selectsLeaf(requested: string, leaf: LeafColumn): boolean {
  return leaf.dotPath === requested || leaf.dotPath.startsWith(`${requested}.`)
}
