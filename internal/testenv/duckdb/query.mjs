#!/usr/bin/env node
// query.mjs — run SQL statements in DuckDB and print typed, lossless JSON.
//
// This is the Node half of datatap's test oracle (the Go half is duckdb.go):
// Go tests write files, then ask an independent reader, DuckDB, what is in
// them. Usage:
//
//   echo '["SELECT 1", "SELECT 2"]' | node query.mjs
//
// stdin:  a JSON array of SQL strings, run in order on ONE connection to ONE
//         in-memory database, so earlier statements (CREATE, SET, ...) are
//         visible to later ones.
// stdout: a JSON array with one {"columns","types","rows","error"} object per
//         statement. A failing statement only sets "error"; the rest still run.
// exit:   0 when the script itself worked (even if statements failed);
//         2 on a usage error; 1 if DuckDB could not be started.
//
// Environment: DUCKDB_THREADS (optional) sets DuckDB's `threads` option;
// otherwise DuckDB's default is kept.
//
// The session TimeZone is set to UTC before the first statement so that
// results do not depend on the machine running the tests (DuckDB otherwise
// uses the local zone for TIMESTAMPTZ parsing and rendering). A statement may
// still SET TimeZone itself.
//
// Cell encoding (chosen so Go can compare values without loss):
//   NULL                        -> null
//   BOOLEAN                     -> true / false
//   integer types (any width)   -> string of decimal digits (exact past 2^53)
//   FLOAT, DOUBLE               -> number ("NaN", "Infinity", "-Infinity" as
//                                  strings; -0 is written as -0). FLOAT is the
//                                  float32 value widened to float64, exactly.
//   VARCHAR, JSON               -> string
//   BLOB                        -> base64 string
//   TIMESTAMP[_S|_MS|_NS], TIMESTAMPTZ
//                               -> string of microseconds since the Unix epoch
//                                  (UTC). _NS is truncated toward zero exactly
//                                  like DuckDB's CAST(x AS TIMESTAMP); the
//                                  infinities of every variant become
//                                  ±9223372036854775807, as in that cast.
//   everything else (DATE, DECIMAL, LIST, STRUCT, MAP, TIME, INTERVAL, UUID,
//   ENUM, ...)                  -> string: DuckDB's own CAST(x AS VARCHAR),
//                                  e.g. DATE -> "2024-01-02". DuckDB renders
//                                  these (not node-api's toString(), which
//                                  differs for nested strings, maps, year-0
//                                  dates, infinite dates, ...). node-api
//                                  cannot pass GEOMETRY or VARIANT values back
//                                  to DuckDB, so such a column makes the
//                                  statement report an error: cast it to
//                                  VARCHAR in the SQL.

import { DuckDBInstance, DuckDBTypeId, LIST, listValue } from '@duckdb/node-api';

const POS_INF_MICROS = 9223372036854775807n; // DuckDB's timestamp 'infinity'
const NEG_INF_MICROS = -9223372036854775807n; // DuckDB's timestamp '-infinity'

const INTEGER_TYPES = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT,
]);

class UsageError extends Error {}

/** Reads stdin and checks it is a JSON array of strings. */
async function readStatements() {
  if (process.argv.length > 2) {
    throw new UsageError('takes no arguments; pass a JSON array of SQL strings on stdin');
  }
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  let statements;
  try {
    statements = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`stdin is not valid JSON: ${e.message}`);
  }
  if (!Array.isArray(statements) || !statements.every((s) => typeof s === 'string')) {
    throw new UsageError('stdin must be a JSON array of SQL strings');
  }
  return statements;
}

/** Instance options: only what the caller asked for, DuckDB defaults otherwise. */
function instanceOptions() {
  const threads = process.env.DUCKDB_THREADS;
  if (threads === undefined || threads === '') return {};
  if (!/^[1-9][0-9]*$/.test(threads)) {
    throw new UsageError(`DUCKDB_THREADS must be a positive integer, got ${JSON.stringify(threads)}`);
  }
  return { threads };
}

/** Microseconds since the epoch for any timestamp value, as DuckDB's cast to TIMESTAMP gives. */
function timestampMicros(typeId, v) {
  if (!v.isFinite) {
    const raw = v.micros ?? v.millis ?? v.seconds ?? v.nanos;
    return raw > 0n ? POS_INF_MICROS : NEG_INF_MICROS;
  }
  switch (typeId) {
    case DuckDBTypeId.TIMESTAMP_S: return v.seconds * 1000000n;
    case DuckDBTypeId.TIMESTAMP_MS: return v.millis * 1000n;
    case DuckDBTypeId.TIMESTAMP_NS: return v.nanos / 1000n; // BigInt division truncates, like DuckDB
    default: return v.micros; // TIMESTAMP, TIMESTAMP_TZ (both UTC micros)
  }
}

/**
 * Encodes one non-null cell of a type we can encode locally, or returns
 * undefined when DuckDB must render it.
 */
function encodeLocal(typeId, v) {
  if (INTEGER_TYPES.has(typeId)) return String(v);
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return v;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number.isFinite(v) ? v : String(v); // NaN, Infinity, -Infinity
    case DuckDBTypeId.VARCHAR: // includes the JSON alias
      return v;
    case DuckDBTypeId.BLOB:
      return Buffer.from(v.bytes).toString('base64');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return String(timestampMicros(typeId, v));
    default:
      return undefined;
  }
}

/**
 * Asks DuckDB for CAST(v AS VARCHAR) of every value in one column. The values
 * are bound back as a single LIST parameter of the column's exact type, so
 * the statement is not re-executed and one round trip serves the column.
 */
async function renderWithDuckDB(connection, type, values) {
  const result = await connection.run(
    'SELECT list_transform($1, x -> CAST(x AS VARCHAR))',
    [listValue(values)],
    [LIST(type)],
  );
  const rows = await result.getRows();
  return rows[0][0].items;
}

/** Runs one statement and returns its output object; never throws. */
async function runStatement(connection, sql) {
  try {
    const result = await connection.run(sql);
    const columns = result.columnNames();
    const types = result.columnTypes();
    const values = await result.getRows();
    const rows = values.map(() => new Array(columns.length).fill(null));
    for (let c = 0; c < columns.length; c++) {
      const pending = []; // row indexes DuckDB has to render for this column
      for (let r = 0; r < values.length; r++) {
        const v = values[r][c];
        if (v === null) continue;
        const encoded = encodeLocal(types[c].typeId, v);
        if (encoded === undefined) pending.push(r);
        else rows[r][c] = encoded;
      }
      if (pending.length > 0) {
        let texts;
        try {
          texts = await renderWithDuckDB(connection, types[c], pending.map((r) => values[r][c]));
        } catch (e) {
          // Say so: the statement itself succeeded, only our rendering failed.
          throw new Error(`query.mjs: cannot render column ${JSON.stringify(columns[c])} `
            + `(${types[c]}) as VARCHAR: ${e?.message ?? e}; cast it to VARCHAR in the SQL instead`);
        }
        pending.forEach((r, i) => { rows[r][c] = texts[i]; });
      }
    }
    return {
      columns,
      // The alias keeps JSON (and user-defined type names) visible: node-api
      // reports JSON as VARCHAR with alias "JSON".
      types: types.map((t) => t.alias ?? t.toString()),
      rows,
      error: '',
    };
  } catch (e) {
    return { columns: [], types: [], rows: [], error: String(e?.message ?? e) };
  }
}

/** JSON.stringify, except that -0 stays -0 so doubles survive exactly. */
function toJSON(v) {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJSON).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJSON(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

async function main() {
  const statements = await readStatements();
  const options = instanceOptions();
  let instance;
  let connection;
  try {
    instance = await DuckDBInstance.create(':memory:', options);
    connection = await instance.connect();
    // TimeZone cannot be an instance option (ICU is not loaded yet then).
    await connection.run("SET TimeZone = 'UTC'");
  } catch (e) {
    process.stderr.write(`query.mjs: cannot start DuckDB: ${e?.message ?? e}\n`);
    process.exitCode = 1;
    return;
  }
  const out = [];
  for (const sql of statements) out.push(await runStatement(connection, sql));
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(`${toJSON(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`query.mjs: ${e instanceof UsageError ? 'usage: ' : ''}${e?.message ?? e}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
