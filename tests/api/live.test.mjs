// Live updates: Server-Sent Events across two gridd instances on one
// database, filtered by scope, with heartbeats and Last-Event-ID resume.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, sleep } from './lib/harness.mjs';
import { login, client } from './lib/session.mjs';
import { assertProblem } from './lib/contract.mjs';
import { makeJpeg } from './lib/images.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g1, g2, dbUrl;
const token = {};
const via1 = {};
const streams = [];

before(async () => {
  dbUrl = await createDatabase('live');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  // Instances behind one load balancer share the token secret.
  const secret = { GRIDD_AUTH_JWT_SECRET: 'live-tests-shared-secret-of-at-least-32-bytes' };
  g1 = await startGridd({ dbUrl, env: secret });
  g2 = await startGridd({ dbUrl, env: { ...secret, GRIDD_LIVE_HEARTBEAT_S: 1 } });
  for (const who of ['worker1', 'worker2', 'dispatcher1', 'unit1', 'unit2']) {
    token[who] = (await login(g1.base, who, PASSWORD)).access_token;
    via1[who] = client(g1.base, token[who]);
  }
});
after(async () => {
  for (const s of streams) s.close();
  await g1?.stop();
  await g2?.stop();
});

/** Opens GET /v1/events on a gridd; collects events and comments. */
function subscribe(g, who, headers = {}) {
  const s = { events: [], comments: 0, status: 0, ended: false, waiters: [] };
  const req = http.get(`${g.base}/v1/events`, { headers: { authorization: `Bearer ${token[who]}`, ...headers } }, (res) => {
    s.status = res.statusCode;
    s.type = res.headers['content-type'];
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) s.comments++;
          else if (line.startsWith('id: ')) ev.id = line.slice(4);
          else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6));
        }
        if (ev.data) s.events.push(ev);
      }
      for (const w of s.waiters.splice(0)) w();
    });
    const ended = () => { s.ended = true; for (const w of s.waiters.splice(0)) w(); };
    res.on('end', ended);
    res.on('close', ended); // a stream cut by the server ends without its last chunk
    res.on('error', () => {});
  });
  req.on('error', () => { s.ended = true; });
  s.close = () => req.destroy();
  s.until = async (pred, ms = 10000) => {
    const end = Date.now() + ms;
    while (!pred(s)) {
      if (Date.now() > end) throw new Error(`no such event in ${ms} ms: ${JSON.stringify(s.events)}`);
      await Promise.race([new Promise((r) => s.waiters.push(r)), sleep(200)]);
    }
  };
  streams.push(s);
  return s;
}

async function newCase() {
  const res = await via1.worker1('POST', '/v1/reports', { category: 'event:0108', description: '实时',
    location: { type: 'Point', coordinates: [116.4006, 39.91045] }, observed_at: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(res.status, 201);
  return (await res.json()).case_id;
}
const step = async (who, id, action, body = {}) => {
  const res = await via1[who]('POST', `/v1/cases/${id}/${action}`, body);
  assert.equal(res.status, 200, await res.clone().text());
};
const about = (id, action) => (s) => s.events.some((e) => e.data.id === id && e.data.action === action);

test('a change made through one instance reaches subscribers of the other, within scope', async () => {
  const dispatcher = subscribe(g2, 'dispatcher1');
  const worker1 = subscribe(g2, 'worker1');
  const worker2 = subscribe(g2, 'worker2');
  const unit1 = subscribe(g2, 'unit1');
  const unit2 = subscribe(g2, 'unit2');
  await dispatcher.until((s) => s.status === 200);
  assert.match(dispatcher.type, /^text\/event-stream/);
  await sleep(300); // all subscribed
  const id = await newCase();
  await dispatcher.until(about(id, 'reported'));
  await worker1.until(about(id, 'reported'));
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await dispatcher.until(about(id, 'dispatch'));
  await unit1.until(about(id, 'dispatch'));
  const event = dispatcher.events.find((e) => e.data.id === id && e.data.action === 'dispatch');
  assert.equal(event.data.state, 'dispatched');
  assert.equal(event.data.cell, '110101001001001');
  assert.match(event.id, /^\d+$/);
  await sleep(500);
  assert.ok(!worker2.events.some((e) => e.data.id === id), 'worker2 does not patrol the cell');
  assert.ok(!unit2.events.some((e) => e.data.id === id), 'not dispatched to unit 2');
  assert.ok(!unit1.events.some((e) => e.data.id === id && e.data.action === 'reported'), 'units see cases once dispatched');
});

test('a photo added to a report or a case is a live event too', async () => {
  const dispatcher = subscribe(g2, 'dispatcher1');
  await dispatcher.until((s) => s.status === 200);
  await sleep(300);
  const res = await via1.worker1('POST', '/v1/reports', { category: 'event:0108', description: '实时照片',
    location: { type: 'Point', coordinates: [116.4006, 39.91045] }, observed_at: new Date(Date.now() - 60_000).toISOString() });
  const report = await res.json();
  const up = await fetch(`${g1.base}/v1/reports/${report.id}/photos`, { method: 'POST',
    headers: { authorization: `Bearer ${token.worker1}`, 'content-type': 'image/jpeg' }, body: makeJpeg({ seed: 71 }) });
  assert.equal(up.status, 201, await up.text());
  await dispatcher.until(about(report.case_id, 'photo_added'));
  const ev = dispatcher.events.find((e) => e.data.id === report.case_id && e.data.action === 'photo_added');
  assert.equal(ev.data.state, 'reported');
});

test('heartbeats keep an idle stream alive', async () => {
  const s = subscribe(g2, 'worker2');
  await s.until((x) => x.comments >= 2, 5000);
});

test('Last-Event-ID resumes from the audit table', async () => {
  const first = subscribe(g2, 'dispatcher1');
  await first.until((s) => s.status === 200);
  await sleep(300);
  const id = await newCase();
  await first.until(about(id, 'reported'));
  const since = first.events.find((e) => e.data.id === id).id;
  first.close();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'reject', { reason: '测试' }).catch(() => {});
  const again = subscribe(g2, 'dispatcher1', { 'last-event-id': since });
  await again.until(about(id, 'verify'));
  assert.ok(!again.events.some((e) => e.data.id === id && e.data.action === 'reported'), 'only what came after');
  await assertProblem(await fetch(`${g2.base}/v1/events`, { headers: { authorization: `Bearer ${token.worker1}`, 'last-event-id': 'x' } }), 400);
});

test('stopping gridd ends the streams and exits cleanly', async () => {
  const s = subscribe(g2, 'dispatcher1');
  await s.until((x) => x.status === 200);
  const code = await g2.stop();
  await s.until((x) => x.ended, 5000);
  assert.ok(code === 0 || code === undefined || code === null, `exit ${code}`);
  g2 = null;
});
