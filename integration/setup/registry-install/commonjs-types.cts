// A CommonJS TypeScript file (.cts) that imports core and an adapter: tsc --module nodenext type-checks
// it (TypeScript >= 5.8 knows that Node >= 20.19 require()s ES modules).
import { PmeError, readParquet } from '@pme/core'

import aws = require('@pme/kms-aws')

export const loaded: boolean =
  typeof readParquet === 'function' && typeof aws.createKmsClientFactory === 'function' && !PmeError.is(new Error())
