import type { IncomingMessage } from 'node:http'

/**
 * The body of an HTTP answer, refused (the stream destroyed with an error) beyond `maxBytes`: a KMS
 * answers small JSON documents, and a larger body is not one, so it must not size an allocation.
 */
export function readResponseBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) response.destroy(new Error(`answer larger than ${maxBytes} bytes`))
      else chunks.push(chunk)
    })
    response.on('error', reject)
    response.on('end', () => resolve(Buffer.concat(chunks)))
  })
}
