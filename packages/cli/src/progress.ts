/** A one-line progress bar on a terminal; nothing at all when the stream is a pipe or a file. */
export interface Progress {
  step(label: string): void
  /** Prints a line of its own (a failure), above the bar. */
  note(line: string): void
  done(): void
}

const WIDTH = 24
const CLEAR = '\r\x1b[2K' // back to the line's start, and erase it

export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, total: number): Progress {
  if (!stream.isTTY || total < 2) {
    return { step() {}, note: (line) => stream.write(`${line}\n`), done() {} }
  }
  let count = 0
  let label = ''
  const draw = () => {
    const filled = Math.round((count / total) * WIDTH)
    stream.write(`${CLEAR}[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count}/${total} ${label}`)
  }
  draw()
  return {
    step(next) {
      count += 1
      label = next
      draw()
    },
    note(line) {
      stream.write(`${CLEAR}${line}\n`)
      draw()
    },
    done() {
      stream.write(CLEAR)
    },
  }
}
