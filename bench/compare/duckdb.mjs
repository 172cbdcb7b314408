#!/usr/bin/env node
// duckdb.mjs — the DuckDB side of the comparison (see README.md).
//
//   node duckdb.mjs "COPY (SELECT … FROM read_json(…) WHERE …) TO 'out.parquet' (FORMAT parquet, COMPRESSION zstd)"
//   node duckdb.mjs --idle
//
// Opens an in-memory DuckDB with the package installed by `make duckdb` in
// internal/testenv/duckdb/node_modules, runs `SET threads=1`, then the statement, and
// prints the number of rows it reports. --idle runs `SELECT 1` instead: the
// RSS of node with DuckDB loaded and idle, which readers subtract from the
// measured peak to see DuckDB's own.

import { createRequire } from 'node:module';

const require = createRequire(new URL('../../internal/testenv/duckdb/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 1) {
    process.stderr.write('usage: node duckdb.mjs SQL | --idle\n');
    process.exitCode = 2;
    return;
  }
  const sql = args[0] === '--idle' ? 'SELECT 1' : args[0];
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SET threads = 1');
  const result = await connection.run(sql);
  const rows = await result.getRows();
  // COPY … TO reports one row with the number of rows written.
  process.stdout.write(`rows ${rows.length === 1 ? String(rows[0][0]) : rows.length}\n`);
  connection.closeSync();
  instance.closeSync();
}

main().catch((e) => {
  process.stderr.write(`duckdb.mjs: ${e?.message ?? e}\n`);
  process.exitCode = 1;
});
