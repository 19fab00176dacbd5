// sse_clients.mjs URL TOKEN COUNT CONTROL_PORT: opens COUNT event streams,
// then waits. When a line "go <marker>" arrives on stdin it measures how long
// until every stream has received an event whose data contains <marker>, and
// prints "ready <open streams>" once all are open and "all <ms> <received>"
// after each marker (or "timeout <received>" after 30 s).
import http from 'node:http';
import readline from 'node:readline';

const [url, token, countText] = process.argv.slice(2);
const count = Number(countText);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let open = 0;
let waiting = null; // { marker, got, t0, done }
const streams = [];
for (let i = 0; i < count; i++) {
  const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) { console.error(`status ${res.statusCode}`); process.exit(1); }
    open++;
    res.setEncoding('utf8');
    let seen = false;
    res.on('data', (d) => {
      if (waiting && !seen && d.includes(waiting.marker)) {
        seen = true;
        if (++waiting.got === count) waiting.done();
      }
    });
    streams.push(() => { seen = false; });
    if (open === count) console.log(`ready ${open}`);
  });
  req.on('error', (e) => { console.error(`stream ${i}: ${e.message}`); process.exit(1); });
}
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, marker] = line.split(' ');
  if (cmd !== 'go') return;
  for (const reset of streams) reset();
  const t0 = process.hrtime.bigint();
  const timer = setTimeout(() => { console.log(`timeout ${waiting.got}`); waiting = null; }, 30000);
  waiting = { marker, got: 0, done: () => {
    clearTimeout(timer);
    console.log(`all ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ${count}`);
    waiting = null;
  } };
});
rl.on('close', () => process.exit(0));
