// A CommonJS TypeScript file (.cts) that imports core and an adapter: tsc --module nodenext type-checks
// it (TypeScript >= 5.8 knows that Node >= 20.19 require()s ES modules).
import core = require('@pme/core')
import aws = require('@pme/kms-aws')

const loaded: boolean =
  typeof core.readParquet === 'function' &&
  typeof aws.createKmsClientFactory === 'function' &&
  !core.PmeError.is(new Error())
export = loaded
