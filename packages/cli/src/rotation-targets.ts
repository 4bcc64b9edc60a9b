import { access, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { keyMaterialPath, UnsupportedError, UsageError } from '@pme/core'

/** One file `pme rotate` works on; `inFolder` when it was found by listing a folder. */
export interface RotationTarget {
  readonly input: string
  readonly inFolder: boolean
}

/** parquet-java's HiddenFileFilter: `_SUCCESS`, `_KEY_MATERIAL_FOR_*`, `.crc` sidecars are not data files. */
const isHidden = (name: string) => name.startsWith('_') || name.startsWith('.')

/** The data files of a folder and of its partition folders (`year=2024/`), in name order. */
async function dataFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true })
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const files: string[] = []
  for (const entry of entries) {
    if (isHidden(entry.name)) continue
    const path = join(folder, entry.name)
    if (entry.isDirectory()) files.push(...(await dataFiles(path)))
    else if (entry.isFile()) files.push(path)
  }
  return files
}

/**
 * The files to rotate: each file as given; for a folder, its data files as KeyToolkit.rotateMasterKeys
 * lists them (every file whose name does not start with `_` or `.`), and those of its subfolders.
 */
export async function rotationTargets(paths: readonly string[]): Promise<RotationTarget[]> {
  const targets: RotationTarget[] = []
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot rotate ${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : error.code}`)
    })
    if (!info.isDirectory()) {
      targets.push({ input: path, inFolder: false })
      continue
    }
    const files = await dataFiles(path)
    if (files.length === 0)
      throw new UsageError(`no Parquet files in folder ${path} (names starting _ or . are skipped)`)
    targets.push(...files.map((input) => ({ input, inFolder: true })))
  }
  return targets
}

/**
 * A folder's file is rotated through its key material file, as parquet-java does; key material
 * inside the file only on request, since that rewrites the file's footer.
 */
export async function checkFolderTarget(target: RotationTarget, inFileKeyMaterial: boolean): Promise<void> {
  if (!target.inFolder || inFileKeyMaterial) return
  const external = await access(keyMaterialPath(target.input)).then(
    () => true,
    () => false,
  )
  if (!external) {
    throw new UnsupportedError(
      `no key material file ${keyMaterialPath(target.input)}: its keys are in the file; pass --in-file-key-material to rotate them there (rewrites its footer)`,
      { file: target.input },
    )
  }
}
