// The panels of `runner-metrics summary --format json` (one group, every
// flavor) computed by DuckDB from the same NDJSON file: what an operator who
// knows SQL would run instead. Prints one JSON object shaped like the
// summary's (only the panels computed here) on stdout, and on stderr how long
// the query took (DUCKDB_SUMMARY_VERBOSE=1: the SQL too).
//
//   node duckdb_summary.cjs MODULE_DIR LOG
//
// MODULE_DIR holds node_modules/@duckdb/node-api (run.sh installs it in a
// cache folder outside the repository). The definitions are docs/format.md's:
// job is runner_stop.job_duration with status "normal" only, queue only
// where present, idle_runners_last the sum over flavors of the latest
// reconciliation's idle_runners. Percentiles are quantile_disc, which is the
// exact nearest-rank value (rank ceil(q * count)); the summary's are sketch
// estimates within 1% of it.
"use strict";

const path = require("node:path");

const [moduleDir, log] = process.argv.slice(2);
if (!moduleDir || !log) {
  console.error("usage: node duckdb_summary.cjs MODULE_DIR LOG");
  process.exit(2);
}
const { DuckDBInstance } = require(path.join(moduleDir, "node_modules", "@duckdb", "node-api"));

// Every member a panel needs, typed: with an explicit schema DuckDB does not
// sample the file to guess one, and ignores the other members.
const columns = {
  timestamp: "DOUBLE",
  event: "VARCHAR",
  flavor: "VARCHAR",
  status: "VARCHAR",
  duration: "DOUBLE",
  idle: "DOUBLE",
  queue_duration: "DOUBLE",
  job_duration: "DOUBLE",
  crashed_runners: "BIGINT",
  idle_runners: "BIGINT",
};

// name -> [column, condition]
const durations = {
  installation: ["duration", "event = 'runner_installed'"],
  idle: ["idle", "event = 'runner_start'"],
  queue: ["queue_duration", "event = 'runner_start'"],
  job: ["job_duration", "event = 'runner_stop' AND status = 'normal'"],
  reconciliation: ["duration", "event = 'reconciliation'"],
};
const events = ["runner_installed", "runner_start", "runner_stop", "reconciliation"];

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const schema = Object.entries(columns)
  .map(([name, type]) => `${name}: ${sqlString(type)}`)
  .join(", ");
const durationColumns = Object.entries(durations).flatMap(([name, [column, where]]) => [
  // count() skips NULLs: an absent queue_duration is not a queue time.
  `count(${column}) FILTER (${where}) AS ${name}_count`,
  `min(${column}) FILTER (${where}) AS ${name}_min`,
  `avg(${column}) FILTER (${where}) AS ${name}_avg`,
  `max(${column}) FILTER (${where}) AS ${name}_max`,
  `quantile_disc(${column}, [0.5, 0.95, 0.99]) FILTER (${where}) AS ${name}_q`,
]);
const sql = `
WITH e AS MATERIALIZED (
  SELECT * FROM read_json(${sqlString(log)}, format = 'newline_delimited', columns = {${schema}})
)
SELECT
  count(*) AS total,
  ${events.map((ev) => `count(*) FILTER (event = ${sqlString(ev)}) AS ${ev}`).join(",\n  ")},
  coalesce(sum(crashed_runners) FILTER (event = 'reconciliation'), 0) AS crashed_runners,
  histogram(status) FILTER (event = 'runner_stop') AS runner_stop_status,
  (SELECT sum(latest) FROM (
     SELECT arg_max(idle_runners, timestamp) AS latest FROM e
     WHERE event = 'reconciliation' GROUP BY flavor)) AS idle_runners_last,
  ${durationColumns.join(",\n  ")}
FROM e`;

async function main() {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const started = process.hrtime.bigint();
  const reader = await connection.runAndReadAll(sql);
  const queryMs = Number(process.hrtime.bigint() - started) / 1e6;
  const row = reader.getRowObjectsJson()[0];
  const number = (v) => (v === null ? null : Number(v));
  const statuses = {};
  for (const { key, value } of row.runner_stop_status ?? []) statuses[key] = Number(value);
  const stats = {};
  for (const name of Object.keys(durations)) {
    const q = row[`${name}_q`] ?? [null, null, null];
    stats[name] = {
      count: Number(row[`${name}_count`]),
      min: number(row[`${name}_min`]),
      avg: number(row[`${name}_avg`]),
      max: number(row[`${name}_max`]),
      p50: number(q[0]),
      p95: number(q[1]),
      p99: number(q[2]),
    };
  }
  const counts = Object.fromEntries(events.map((ev) => [ev, Number(row[ev])]));
  counts.crashed_runners = Number(row.crashed_runners);
  const summary = {
    lines: { total: Number(row.total) },
    groups: [
      {
        flavor: null,
        counts,
        runner_stop_status: statuses,
        idle_runners_last: number(row.idle_runners_last),
        durations: stats,
      },
    ],
  };
  process.stdout.write(JSON.stringify(summary) + "\n");
  // The query alone, without Node's start and the engine's load: compare.py reports it too.
  if (process.env.DUCKDB_SUMMARY_VERBOSE) process.stderr.write(`${sql}\n`);
  process.stderr.write(`query ${queryMs.toFixed(1)} ms\n`);
}

main().catch((error) => {
  console.error(`duckdb_summary: ${error.message}`);
  process.exit(1);
});
