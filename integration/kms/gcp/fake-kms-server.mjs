// @ts-check
/*
 * A FAKE of Google Cloud KMS (gRPC, KeyManagementService + IAMPolicy), for the integration suites
 * where winor30/fake-cloud-kms cannot be installed. Not Google's code and not an emulator of every
 * detail: it serves the calls @pme/kms-gcp and the harness make, with Cloud KMS's request and
 * response messages (the protos shipped in @google-cloud/kms), status codes and error texts:
 *
 *   CreateKeyRing, GetKeyRing, CreateCryptoKey (ENCRYPT_DECRYPT, version 1 primary), GetCryptoKey,
 *   CreateCryptoKeyVersion, UpdateCryptoKeyPrimaryVersion, DestroyCryptoKeyVersion,
 *   Encrypt / Decrypt (AES-256-GCM per version; the ciphertext names its version, so Decrypt
 *   works after the primary changes; additional authenticated data; CRC32C on both sides),
 *   google.iam.v1.IAMPolicy SetIamPolicy / GetIamPolicy on key rings and crypto keys.
 *
 * IAM: Encrypt and Decrypt need a bearer token (`authorization` metadata) that PME_FAKE_GCP_PRINCIPALS
 * (JSON: token → member, e.g. "serviceAccount:a@p.iam.gserviceaccount.com") names, and that member
 * bound to roles/cloudkms.cryptoKeyEncrypterDecrypter (or ...Encrypter / ...Decrypter) on the key or
 * its key ring. Admin calls (create, rotate, IAM) need no token. Other methods: UNIMPLEMENTED.
 *
 * Usage: node fake-kms-server.mjs --grpc-listen-addr 127.0.0.1:<port>   (prints "listening on ...")
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** @google-cloud/kms (for its protos and google-gax): the adapter's in the workspace, a direct dependency in the image. */
function resolveKms() {
  try {
    return createRequire(fileURLToPath(import.meta.resolve('@pme/kms-gcp'))).resolve('@google-cloud/kms')
  } catch {
    return createRequire(import.meta.url).resolve('@google-cloud/kms')
  }
}
const kmsEntry = resolveKms()
const gaxEntry = createRequire(kmsEntry).resolve('google-gax')
const gax = createRequire(kmsEntry)('google-gax')
const { grpc } = gax
const kmsProtos = path.resolve(path.dirname(kmsEntry), '..', '..', 'build', 'protos')
const loader = new gax.GrpcClient({ grpc })
const kmsPkg = loader.loadProto(kmsProtos, 'google/cloud/kms/v1/service.proto')
const iamPkg = loader.loadProto(path.resolve(path.dirname(gaxEntry), '..', 'protos'), 'google/iam/v1/iam_policy.proto')

const Status = grpc.status
const ENCRYPT_ROLES = new Set(['roles/cloudkms.cryptoKeyEncrypterDecrypter', 'roles/cloudkms.cryptoKeyEncrypter'])
const DECRYPT_ROLES = new Set(['roles/cloudkms.cryptoKeyEncrypterDecrypter', 'roles/cloudkms.cryptoKeyDecrypter'])
const principals = /** @type {Record<string, string>} */ (JSON.parse(process.env.PME_FAKE_GCP_PRINCIPALS || '{}'))

/** CRC32C, bit by bit (independent of the adapter's table-driven one). */
function crc32c(/** @type {Uint8Array} */ data) {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

/** @typedef {{ name: string, id: string, handle: Buffer, material: Buffer, state: string, createTime: object }} Version */
/** @typedef {{ name: string, versions: Version[], primary: Version | undefined, createTime: object }} CryptoKey */
/** @type {Map<string, { name: string, createTime: object }>} */
const keyRings = new Map()
/** @type {Map<string, CryptoKey>} */
const cryptoKeys = new Map()
/** @type {Map<string, { bindings: { role: string, members: string[] }[], etag: Buffer, version: number }>} */
const policies = new Map()

const now = () => {
  const ms = Date.now()
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }
}
const fail = (code, details) => Object.assign(new Error(details), { code, details })
const ID = /^[a-zA-Z0-9_-]{1,63}$/
const LOCATION = /^projects\/[^/]+\/locations\/[^/]+$/

function versionMessage(/** @type {Version} */ v) {
  return {
    name: v.name,
    state: v.state,
    protectionLevel: 'SOFTWARE',
    algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION',
    createTime: v.createTime,
  }
}
function keyMessage(/** @type {CryptoKey} */ k) {
  return {
    name: k.name,
    purpose: 'ENCRYPT_DECRYPT',
    createTime: k.createTime,
    primary: k.primary ? versionMessage(k.primary) : null,
    versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
  }
}
function newVersion(/** @type {CryptoKey} */ key) {
  const id = String(key.versions.length + 1)
  /** @type {Version} */
  const v = {
    name: `${key.name}/cryptoKeyVersions/${id}`,
    id,
    handle: randomBytes(16),
    material: randomBytes(32),
    state: 'ENABLED',
    createTime: now(),
  }
  key.versions.push(v)
  return v
}
function keyOf(/** @type {string} */ name, /** @type {string} */ permission, /** @type {string|undefined} */ member) {
  // Like Cloud KMS: the permission is checked before existence is revealed.
  if (permission) authorize(name, permission, member)
  const keyName = name.replace(/\/cryptoKeyVersions\/[^/]+$/, '')
  const key = cryptoKeys.get(keyName)
  if (!key) throw fail(Status.NOT_FOUND, `${keyName} not found.`)
  return key
}
function memberOf(call) {
  const auth = String(call.metadata.get('authorization')[0] ?? '')
  const token = /^Bearer (.+)$/i.exec(auth)?.[1]
  if (!token) {
    throw fail(
      Status.UNAUTHENTICATED,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    )
  }
  const member = principals[token]
  if (!member) throw fail(Status.UNAUTHENTICATED, 'Request had invalid authentication credentials.')
  return member
}
function authorize(
  /** @type {string} */ name,
  /** @type {string} */ permission,
  /** @type {string|undefined} */ member,
) {
  const roles = permission.endsWith('useToEncrypt') ? ENCRYPT_ROLES : DECRYPT_ROLES
  const keyName = name.replace(/\/cryptoKeyVersions\/[^/]+$/, '')
  const ring = keyName.replace(/\/cryptoKeys\/[^/]+$/, '')
  for (const resource of [keyName, ring]) {
    for (const binding of policies.get(resource)?.bindings ?? []) {
      if (roles.has(binding.role) && member && binding.members.includes(member)) return
    }
  }
  throw fail(
    Status.PERMISSION_DENIED,
    `Permission '${permission}' denied on resource '${keyName}' (or it may not exist).`,
  )
}
function checkCrc(data, field, dataField) {
  const value = field?.value
  if (value === null || value === undefined) return false
  if (Number(String(value)) !== crc32c(data)) {
    throw fail(
      Status.INVALID_ARGUMENT,
      `The checksum in field ${dataField}_crc32c did not match the data in field ${dataField}.`,
    )
  }
  return true
}

const kms = {
  CreateKeyRing({ request }) {
    if (!LOCATION.test(request.parent))
      throw fail(Status.INVALID_ARGUMENT, `Resource name [${request.parent}] is not valid.`)
    if (!ID.test(request.keyRingId)) throw fail(Status.INVALID_ARGUMENT, 'key_ring_id is invalid.')
    const name = `${request.parent}/keyRings/${request.keyRingId}`
    if (keyRings.has(name)) throw fail(Status.ALREADY_EXISTS, `KeyRing ${name} already exists.`)
    const ring = { name, createTime: now() }
    keyRings.set(name, ring)
    return ring
  },
  GetKeyRing({ request }) {
    const ring = keyRings.get(request.name)
    if (!ring) throw fail(Status.NOT_FOUND, `KeyRing ${request.name} not found.`)
    return ring
  },
  CreateCryptoKey({ request }) {
    if (!keyRings.has(request.parent)) throw fail(Status.NOT_FOUND, `KeyRing ${request.parent} not found.`)
    if (!ID.test(request.cryptoKeyId)) throw fail(Status.INVALID_ARGUMENT, 'crypto_key_id is invalid.')
    const purpose = request.cryptoKey?.purpose
    if (purpose && purpose !== 'ENCRYPT_DECRYPT')
      throw fail(Status.UNIMPLEMENTED, `the fake supports purpose ENCRYPT_DECRYPT only`)
    const name = `${request.parent}/cryptoKeys/${request.cryptoKeyId}`
    if (cryptoKeys.has(name)) throw fail(Status.ALREADY_EXISTS, `CryptoKey ${name} already exists.`)
    /** @type {CryptoKey} */
    const key = { name, versions: [], primary: undefined, createTime: now() }
    if (!request.skipInitialVersionCreation) key.primary = newVersion(key)
    cryptoKeys.set(name, key)
    return keyMessage(key)
  },
  GetCryptoKey({ request }) {
    return keyMessage(keyOf(request.name, '', undefined))
  },
  CreateCryptoKeyVersion({ request }) {
    return versionMessage(newVersion(keyOf(request.parent, '', undefined)))
  },
  UpdateCryptoKeyPrimaryVersion({ request }) {
    const key = keyOf(request.name, '', undefined)
    const version = key.versions.find((v) => v.id === request.cryptoKeyVersionId)
    if (!version)
      throw fail(Status.NOT_FOUND, `${request.name}/cryptoKeyVersions/${request.cryptoKeyVersionId} not found.`)
    if (version.state !== 'ENABLED') throw fail(Status.FAILED_PRECONDITION, `${version.name} is not enabled.`)
    key.primary = version
    return keyMessage(key)
  },
  DestroyCryptoKeyVersion({ request }) {
    const key = keyOf(request.name, '', undefined)
    const version = key.versions.find((v) => v.name === request.name)
    if (!version) throw fail(Status.NOT_FOUND, `${request.name} not found.`)
    version.state = 'DESTROY_SCHEDULED'
    if (key.primary === version) key.primary = undefined
    return versionMessage(version)
  },
  Encrypt(call) {
    const { request } = call
    const key = keyOf(request.name, 'cloudkms.cryptoKeyVersions.useToEncrypt', memberOf(call))
    const version = request.name.includes('/cryptoKeyVersions/')
      ? key.versions.find((v) => v.name === request.name)
      : key.primary
    if (!version) throw fail(Status.FAILED_PRECONDITION, `${key.name} has no primary version.`)
    if (version.state !== 'ENABLED') throw fail(Status.FAILED_PRECONDITION, `${version.name} is not enabled.`)
    const plaintext = request.plaintext ?? Buffer.alloc(0)
    const aad = request.additionalAuthenticatedData ?? Buffer.alloc(0)
    if (plaintext.length > 64 * 1024) throw fail(Status.INVALID_ARGUMENT, 'plaintext is too large.')
    const verifiedPlaintext = checkCrc(plaintext, request.plaintextCrc32c, 'plaintext')
    const verifiedAad = checkCrc(aad, request.additionalAuthenticatedDataCrc32c, 'additional_authenticated_data')
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', version.material, iv)
    cipher.setAAD(aad)
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
    const ciphertext = Buffer.concat([version.handle, iv, body, cipher.getAuthTag()])
    return {
      name: version.name,
      ciphertext,
      ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
      verifiedPlaintextCrc32c: verifiedPlaintext,
      verifiedAdditionalAuthenticatedDataCrc32c: verifiedAad,
      protectionLevel: 'SOFTWARE',
    }
  },
  Decrypt(call) {
    const { request } = call
    if (request.name.includes('/cryptoKeyVersions/')) {
      throw fail(Status.INVALID_ARGUMENT, 'Decrypt takes a CryptoKey name, not a CryptoKeyVersion.')
    }
    const key = keyOf(request.name, 'cloudkms.cryptoKeyVersions.useToDecrypt', memberOf(call))
    const ciphertext = request.ciphertext ?? Buffer.alloc(0)
    const aad = request.additionalAuthenticatedData ?? Buffer.alloc(0)
    checkCrc(ciphertext, request.ciphertextCrc32c, 'ciphertext')
    checkCrc(aad, request.additionalAuthenticatedDataCrc32c, 'additional_authenticated_data')
    const invalid = () => fail(Status.INVALID_ARGUMENT, 'Decryption failed: the ciphertext is invalid.')
    if (ciphertext.length < 16 + 12 + 16) throw invalid()
    const handle = ciphertext.subarray(0, 16)
    const version = key.versions.find((v) => v.handle.equals(handle))
    if (!version) throw invalid()
    if (version.state !== 'ENABLED') throw fail(Status.FAILED_PRECONDITION, `${version.name} is not enabled.`)
    try {
      const decipher = createDecipheriv('aes-256-gcm', version.material, ciphertext.subarray(16, 28))
      decipher.setAAD(aad)
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16))
      const plaintext = Buffer.concat([
        decipher.update(ciphertext.subarray(28, ciphertext.length - 16)),
        decipher.final(),
      ])
      return {
        plaintext,
        plaintextCrc32c: { value: String(crc32c(plaintext)) },
        usedPrimary: key.primary === version,
        protectionLevel: 'SOFTWARE',
      }
    } catch {
      throw invalid()
    }
  },
}

const iam = {
  SetIamPolicy({ request }) {
    const resource = request.resource
    if (!keyRings.has(resource) && !cryptoKeys.has(resource)) throw fail(Status.NOT_FOUND, `${resource} not found.`)
    const bindings = (request.policy?.bindings ?? []).map((b) => ({ role: b.role, members: [...(b.members ?? [])] }))
    const policy = { version: 1, bindings, etag: randomBytes(8) }
    policies.set(resource, policy)
    return policy
  },
  GetIamPolicy({ request }) {
    const resource = request.resource
    if (!keyRings.has(resource) && !cryptoKeys.has(resource)) throw fail(Status.NOT_FOUND, `${resource} not found.`)
    return policies.get(resource) ?? { version: 1, bindings: [], etag: Buffer.alloc(0) }
  },
}

/** Unary handlers from plain functions: a thrown {code, details} becomes that gRPC status. */
function unary(handlers) {
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      (call, callback) => {
        try {
          callback(null, handler(call))
        } catch (error) {
          const code = typeof error.code === 'number' ? error.code : Status.INTERNAL
          callback({ code, details: error.details ?? String(error.message) })
        }
      },
    ]),
  )
}

const addrIndex = process.argv.indexOf('--grpc-listen-addr')
const address = addrIndex > 0 ? process.argv[addrIndex + 1] : '127.0.0.1:9010'
const server = new grpc.Server()
server.addService(kmsPkg.google.cloud.kms.v1.KeyManagementService.service, unary(kms))
server.addService(iamPkg.google.iam.v1.IAMPolicy.service, unary(iam))
server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`fake-kms-server: cannot listen on ${address}: ${error.message}`)
    process.exit(1)
  }
  console.log(`fake-kms-server listening on ${address.replace(/:\d+$/, '')}:${port}`)
})
const stop = () => server.tryShutdown(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
