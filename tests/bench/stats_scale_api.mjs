// stats_scale_api.mjs - gridd's side of stats_scale.sh.
//
//   node stats_scale_api.mjs actions BASE TOKENS_JSON PLAN_FILE CONNECTIONS
//       runs the workflow actions of PLAN_FILE (JSON lines from
//       stats_scale_plan.sql: {"case", "steps": [[who, action, body], ...]}),
//       CONNECTIONS cases at a time, each case's steps in order, each as the
//       account TOKENS_JSON names for who. Prints a JSON summary; exit 1 when
//       an action did not answer 200.
//   node stats_scale_api.mjs time BASE TOKEN PATH RUNS OUT_FILE
//       GET PATH once to warm up, then RUNS times on one keep-alive
//       connection; writes the last body to OUT_FILE and prints
//       {"status", "runs_ms": [...], "median_ms"}. Exit 3 when the endpoint
//       is not there (gridd's 404 "no resource at this path"), 1 on any
//       other non-200.
//   node stats_scale_api.mjs compare KIND API_FILE NAIVE_FILE EXCLUDE_SUSPENDED
//       KIND assessment (rows: unit_id) or closure (rows: key = unit id);
//       NAIVE_FILE is stats_scale_naive.sql's output (psql -A -F '\t', with
//       its header). Compares due, closed and closed_on_time per unit, and
//       due_suspended, reworked, extended and urges when the answer has them,
//       exactly; gridd's due is the naive due minus the suspended cases when
//       the rule exclude_suspended is on (as the answer's "rules" say, else
//       EXCLUDE_SUSPENDED). Prints a table; exit 1 on a difference.
import http from 'node:http';
import fs from 'node:fs';

const [mode, ...args] = process.argv.slice(2);

function request(agent, base, method, path, token, body) {
  const url = new URL(base);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: url.hostname, port: url.port, path, method, agent,
      headers: { authorization: `Bearer ${token}`,
        ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'),
        ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', (e) => resolve({ status: 0, text: String(e), ms: 0 }));
    req.end(data);
  });
}

if (mode === 'actions') {
  const [base, tokensJson, planFile, conns] = args;
  const tokens = JSON.parse(tokensJson);
  const plan = fs.readFileSync(planFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  // A case picked by two groups is acted on once, by the first.
  const seen = new Set();
  const work = plan.filter((p) => (seen.has(p.case) ? false : (seen.add(p.case), true)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
  const count = {}, failures = [];
  let actions = 0, next = 0;
  const times = [];
  async function loop() {
    while (next < work.length) {
      const p = work[next++];
      for (const [who, action, body] of p.steps) {
        const r = await request(agent, base, 'POST', `/v1/cases/${p.case}/${action}`, tokens[who], body ?? {});
        actions++;
        times.push(r.ms);
        const key = `${action} (${p.group})`;
        count[key] = (count[key] || 0) + 1;
        if (r.status !== 200) {
          failures.push({ case: p.case, group: p.group, who, action, status: r.status, answer: r.text.slice(0, 300) });
          break;      // the rest of this case's steps depend on this one
        }
      }
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(conns) }, loop));
  agent.destroy();
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ cases: work.length, actions, failed: failures.length,
    seconds: (Date.now() - started) / 1000, p50_ms: times[Math.floor(times.length / 2)] ?? 0,
    by_action: count, failures: failures.slice(0, 20) }));
  process.exit(failures.length ? 1 : 0);
} else if (mode === 'time') {
  const [base, token, path, runs, outFile] = args;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let r = await request(agent, base, 'GET', path, token);
  if (r.status === 404 && r.text.includes('no resource at this path')) {
    console.log(JSON.stringify({ status: 404, answer: r.text.slice(0, 300) }));
    agent.destroy();
    process.exit(3);
  }
  if (r.status !== 200) {
    console.log(JSON.stringify({ status: r.status, answer: r.text.slice(0, 300) }));
    agent.destroy();
    process.exit(1);
  }
  const ms = [];
  for (let i = 0; i < Number(runs); i++) {
    r = await request(agent, base, 'GET', path, token);
    if (r.status !== 200) {
      console.log(JSON.stringify({ status: r.status, answer: r.text.slice(0, 300) }));
      process.exit(1);
    }
    ms.push(r.ms);
  }
  agent.destroy();
  fs.writeFileSync(outFile, r.text);
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(JSON.stringify({ status: 200, runs_ms: ms.map((x) => +x.toFixed(3)),
    median_ms: +sorted[Math.floor(sorted.length / 2)].toFixed(3) }));
} else if (mode === 'compare') {
  const [kind, apiFile, naiveFile, excludeText] = args;
  const doc = JSON.parse(fs.readFileSync(apiFile, 'utf8'));
  // The rule as the answer states it, else as the settings say.
  const exclude = typeof doc.rules?.exclude_suspended === 'boolean' ? doc.rules.exclude_suspended
    : excludeText === 'true';
  const rows = Array.isArray(doc.rows) ? doc.rows : null;
  if (!rows) {
    console.log(`${kind}: the answer has no "rows" array: ${JSON.stringify(doc).slice(0, 300)}`);
    process.exit(1);
  }
  const lines = fs.readFileSync(naiveFile, 'utf8').split('\n').filter(Boolean);
  const head = lines.shift().split('\t');
  const naive = new Map();
  for (const l of lines) {
    const v = l.split('\t');
    const o = Object.fromEntries(head.map((h, i) => [h, Number(v[i])]));
    naive.set(String(o.unit_id), o);
  }
  const api = new Map();
  for (const r of rows) {
    const key = kind === 'assessment' ? r.unit_id : r.key;
    if (key === undefined || key === null) {
      console.log(`${kind}: a row without ${kind === 'assessment' ? 'unit_id' : 'key'}: ${JSON.stringify(r).slice(0, 200)}`);
      process.exit(1);
    }
    api.set(String(key), r);
  }
  // due, closed, closed_on_time always; the others when the answer has them.
  const fields = ['due', 'closed', 'closed_on_time',
    ...['due_suspended', 'reworked', 'extended', 'urges'].filter((f) => rows.some((r) => f in r))];
  const keys = [...new Set([...naive.keys(), ...api.keys()])].sort((a, b) => Number(a) - Number(b));
  let diffs = 0;
  const out = [`${kind} per unit, gridd/naive:`,
    `${'unit'.padEnd(6)}${fields.map((f) => f.padStart(20)).join('')}`];
  for (const k of keys) {
    const n = naive.get(k) || { due: 0, due_suspended: 0, closed: 0, closed_on_time: 0, reworked: 0,
      extended: 0, urges: 0 };
    const a = api.get(k) || {};
    const want = { ...n, due: n.due - (exclude ? n.due_suspended : 0) };
    let line = k.padEnd(6), bad = false;
    for (const f of fields) {
      const got = a[f] ?? 0;
      if (typeof got !== 'number' || got !== want[f]) bad = true;
      line += `${got}/${want[f]}`.padStart(20);
    }
    if (bad) { diffs++; line += '   DIFFERENT'; }
    out.push(line);
  }
  console.log(out.join('\n'));
  console.log(`${kind}: ${keys.length} units, ${diffs} different` +
    ` (due = naive due${exclude ? ' - suspended (exclude_suspended)' : ''})`);
  process.exit(diffs ? 1 : 0);
} else {
  console.error('usage: stats_scale_api.mjs actions|time|compare ...');
  process.exit(2);
}
