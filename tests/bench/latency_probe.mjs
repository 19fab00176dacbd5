// latency_probe.mjs URL SECONDS RATE: GET URL at a steady RATE per second
// (one keep-alive connection, one request at a time) for SECONDS, then prints
// "count p50_ms p99_ms max_ms errors". A light probe: it measures how long a
// request waits, without loading the machine the way a saturating wrk does.
import http from 'node:http';

const [url, seconds = '10', rate = '50'] = process.argv.slice(2);
if (!url) { console.error('usage: latency_probe.mjs URL SECONDS RATE'); process.exit(2); }
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const times = [];
let errors = 0;
const get = () => new Promise((resolve) => {
  const t0 = process.hrtime.bigint();
  http.get(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== 200) errors++;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      resolve();
    });
  }).on('error', () => { errors++; resolve(); });
});
const interval = 1000 / Number(rate);
const end = Date.now() + Number(seconds) * 1000;
let next = Date.now();
while (Date.now() < end) {
  await get();
  next += interval;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
agent.destroy();
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(`${times.length} ${q(0.5).toFixed(3)} ${q(0.99).toFixed(3)} ${times[times.length - 1].toFixed(3)} ${errors}`);
