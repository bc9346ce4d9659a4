// Runs the Secvisogram validator library (@secvisogram/csaf-validator-lib)
// on CSAF 2.0 documents: the strict schema test, every mandatory test (6.1.x)
// and every optional test (6.2.x). The library is loaded from the project's
// .tools/node_modules (see .ci/run), or from the directory in VIGIL_TOOLS.
//
// Usage: node secvisogram.mjs FILE...
//
// Prints one JSON array with an entry per file:
// {"file", "isValid", "errors": [{"test", "instancePath", "message"}], "warnings": [...], "infos": [...]}
// and exits 0 when it could run the tests, whatever they found; the caller
// judges the results. It exits 2 on a usage error or a file it cannot read.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const tools = process.env.VIGIL_TOOLS || path.join(here, '..', '..', '..', '.tools')
const lib = path.join(tools, 'node_modules', '@secvisogram', 'csaf-validator-lib')
const load = (name) => import(pathToFileURL(path.join(lib, name)).href)

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node secvisogram.mjs FILE...')
  process.exit(2)
}

const { default: validateStrict } = await load('validateStrict.js')
const schema = await load('schemaTests.js')
const mandatory = await load('mandatoryTests.js')
const optional = await load('optionalTests.js')
const tests = [
  schema.csaf_2_0_strict,
  ...Object.values(mandatory),
  ...Object.values(optional),
].filter((t) => typeof t === 'function')

const out = []
for (const file of files) {
  let doc
  try {
    doc = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    console.error(`${file}: ${err.message}`)
    process.exit(2)
  }
  const result = await validateStrict(tests, doc)
  const entry = { file, isValid: result.isValid, tests: result.tests.length, errors: [], warnings: [], infos: [] }
  for (const t of result.tests) {
    for (const kind of ['errors', 'warnings', 'infos']) {
      for (const r of t[kind] ?? []) {
        entry[kind].push({ test: t.name, instancePath: r.instancePath, message: r.message })
      }
    }
  }
  out.push(entry)
}
console.log(JSON.stringify(out, null, 2))
