// cycle_driver.mjs BASE SECONDS CONNECTIONS FIRST_CASE LAST_CASE TOKENS_JSON
// Runs case cycles against gridd: CONNECTIONS loops, each taking the next
// registered case and doing dispatch (dispatcher) -> accept -> resolve (unit)
// -> check passed (grid worker), one request after the other on keep-alive
// connections. Prints "cycles cycles_per_sec p50_ms p99_ms errors".
import http from 'node:http';

const [base, seconds, conns, first, last, tokensJson] = process.argv.slice(2);
const tokens = JSON.parse(tokensJson);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const url = new URL(base);
const steps = [['dispatcher', 'dispatch', '{"unit_id":1}'], ['unit', 'accept', '{}'],
  ['unit', 'resolve', '{}'], ['worker', 'check', '{"result":"passed"}']];

const post = (path, token, body) => new Promise((resolve) => {
  const req = http.request({ host: url.hostname, port: url.port, path, method: 'POST', agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
  (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
  req.on('error', () => resolve(0));
  req.end(body);
});

let next = Number(first);
const end = Date.now() + Number(seconds) * 1000;
const times = [];
let errors = 0;
async function loop() {
  while (Date.now() < end && next <= Number(last)) {
    const id = next++;
    const t0 = process.hrtime.bigint();
    let ok = true;
    for (const [who, action, body] of steps) {
      const status = await post(`/v1/cases/${id}/${action}`, tokens[who], body);
      if (status !== 200) { errors++; ok = false; break; }
    }
    if (ok) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const started = Date.now();
await Promise.all(Array.from({ length: Number(conns) }, loop));
const elapsed = (Date.now() - started) / 1000;
agent.destroy();
times.sort((a, b) => a - b);
const q = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))] : 0);
console.log(`${times.length} ${(times.length / elapsed).toFixed(2)} ${q(0.5).toFixed(3)} ${q(0.99).toFixed(3)} ${errors}`);
