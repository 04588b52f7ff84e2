// What npm pack ships (package.json "files"): the schemas, copies of the repository's byte for byte, the license, and
// sheratan-client.d.ts declaring exactly the module's exports. The repository's copies are always reachable here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sc from '../sheratan-client.mjs';

const PACKAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.join(PACKAGE, '..', '..');
const COPIES = [
  [path.join('schemas', 'avro'), path.join(ROOT, 'schemas', 'src', 'main', 'avro')],
  [path.join('schemas', 'resources', 'avro-history'), path.join(ROOT, 'schemas', 'src', 'main', 'resources', 'avro-history')],
];

test('the shipped schemas equal the repository\'s, byte for byte', () => {
  for (const [shipped, original] of COPIES) {
    const here = path.join(PACKAGE, shipped);
    const names = fs.readdirSync(original).sort();
    assert.ok(names.length > 0, original);
    assert.deepEqual(fs.readdirSync(here).sort(), names, `${here} differs from ${original}: copy it again (cp ${original}/* ${here}/)`);
    for (const name of names) {
      assert.ok(fs.readFileSync(path.join(here, name)).equals(fs.readFileSync(path.join(original, name))),
        `${path.join(shipped, name)} differs from ${original}: copy it again`);
    }
  }
});

test('the shipped license is the repository\'s', () => {
  assert.ok(fs.readFileSync(path.join(PACKAGE, 'LICENSE')).equals(fs.readFileSync(path.join(ROOT, 'LICENSE'))));
});

test('without SHERATAN_SCHEMAS_DIR the package\'s own schemas are read', () => {
  const saved = process.env.SHERATAN_SCHEMAS_DIR;
  try {
    delete process.env.SHERATAN_SCHEMAS_DIR;
    assert.equal(fs.realpathSync(sc.schemaDir()), fs.realpathSync(path.join(PACKAGE, 'schemas', 'avro')));
    process.env.SHERATAN_SCHEMAS_DIR = COPIES[0][1];
    assert.equal(sc.schemaDir(), COPIES[0][1]);
  } finally {
    if (saved === undefined) delete process.env.SHERATAN_SCHEMAS_DIR;
    else process.env.SHERATAN_SCHEMAS_DIR = saved;
  }
});

test('sheratan-client.d.ts declares exactly the module\'s exports', () => {
  const text = fs.readFileSync(path.join(PACKAGE, 'sheratan-client.d.ts'), 'utf8');
  const declared = [...text.matchAll(/^export (?:declare )?(?:const|function|class|let|var) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), Object.keys(sc).sort());
});

test('package.json ships the module, its types, the schemas and the bin', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
  assert.equal(pkg.private, undefined);
  assert.equal(pkg.bin['sheratan-client'], 'sheratan-client.mjs');
  assert.equal(pkg.exports['.'].default, './sheratan-client.mjs');
  assert.equal(pkg.exports['.'].types, './sheratan-client.d.ts');
  assert.equal(pkg.types, 'sheratan-client.d.ts');
  for (const file of ['sheratan-client.mjs', 'sheratan-client.d.ts']) assert.ok(pkg.files.includes(file), file);
  // every shipped schema matches a "files" pattern (a literal path or dir/*.ext, the forms used there)
  const matches = (p) => pkg.files.some((f) => f === p || (f.includes('/*.') && path.posix.dirname(f) === path.posix.dirname(p)
    && p.endsWith(f.slice(f.lastIndexOf('*') + 1))));
  for (const [shipped] of COPIES) {
    for (const name of fs.readdirSync(path.join(PACKAGE, shipped))) {
      const p = path.posix.join(...shipped.split(path.sep), name);
      assert.ok(matches(p), `package.json "files" does not ship ${p}`);
    }
  }
});
