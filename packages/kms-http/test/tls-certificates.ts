import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** PEM files of a throwaway CA, a server certificate for 127.0.0.1 / kms.test and a client certificate. */
export interface TestCertificates {
  readonly dir: string
  readonly caFile: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
  /** A second CA that signed nothing here: trusting it must fail. */
  readonly otherCaFile: string
  read(file: string): Buffer
  remove(): void
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '1',
  ])
}

function signed(dir: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions)
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`])
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  ])
}

/** Made fresh for each test run (openssl, EC P-256, valid one day) in a temporary folder: no key is committed. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'pme-tls-'))
  selfSignedCa(dir, 'ca')
  selfSignedCa(dir, 'other-ca')
  signed(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:kms.test\nextendedKeyUsage=serverAuth\n')
  signed(dir, 'client', 'extendedKeyUsage=clientAuth\n')
  const file = (name: string) => join(dir, name)
  return {
    dir,
    caFile: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    otherCaFile: file('other-ca.crt'),
    read: (path) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
