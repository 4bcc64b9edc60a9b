/**
 * Reads the matrix back from the demo's text output: the header line starts with "token"; each
 * cell is read at the position of its column's title, so titles with spaces ("all columns") and
 * row labels with parentheses ("(none)") need no special splitting.
 */
export function parseTextMatrix(
  text: string,
  titles: readonly string[],
  marks: { readable: string; refused: string },
): Record<string, Record<string, boolean>> {
  const lines = text.split('\n')
  const headerIndex = lines.findIndex((line) => /^\s+token\s/.test(line))
  if (headerIndex < 0) throw new Error('no matrix header in the output')
  const header = lines[headerIndex] as string
  const starts = titles.map((title) => {
    const at = header.search(new RegExp(` ${title}(?= |$)`))
    if (at < 0) throw new Error(`no column "${title}" in the header: ${header}`)
    return at + 1
  })
  const matrix: Record<string, Record<string, boolean>> = {}
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.trim() === '') break
    const label = line.trim().split(/\s+/)[0] as string
    matrix[label] = Object.fromEntries(
      titles.map((title, index) => {
        const cell = line.slice(starts[index]).split(/\s+/)[0]
        if (cell !== marks.readable && cell !== marks.refused) throw new Error(`cell "${cell}" in: ${line}`)
        return [title, cell === marks.readable]
      }),
    )
  }
  return matrix
}
