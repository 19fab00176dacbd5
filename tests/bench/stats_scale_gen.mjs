// stats_scale_gen.mjs - a synthetic case history for the statistics scale
// bench (stats_scale.sh), as COPY text.
//
//   node stats_scale_gen.mjs columns cases|events
//       the column lists of the two streams, for COPY table (columns)
//   node stats_scale_gen.mjs generate META_JSON N EVENTS_FILE [SEED]
//       N cases to stdout (COPY cases), their return and urge events to
//       EVENTS_FILE (COPY case_events), a summary as JSON to stderr
//
// META_JSON is what stats_scale_meta.sql prints: the window (whole months in
// the city's time zone), the next case id, cells, categories, the unit
// route_case() picks per (cell, category), the accounts. Deterministic for a
// given META_JSON, N and SEED (default 1).
//
// The history: cases reported over the window in time order (ids follow
// created_at), more on weekdays and working hours, a little more each month
// and in summer; cells and categories with skewed popularity; the reporter
// is the grid worker of the cell's community (3% from no account). Shares:
// ~3% rejected, ~1% cancelled, ~2% merged into an earlier open case of the
// same cell and category, the rest verified and dispatched to the routed
// unit. ~3% of those are returned (回退) once or twice before the final
// dispatch, half of them then go to another unit. Of the dispatched ones
// ~90% are closed, the rest open (dispatched, in progress, resolved; the
// younger the case, the likelier open); ~8% reworked (a failed check, a new
// deadline from then), ~5% extended once, ~1% suspended (挂账, in progress);
// ~10% of the closed ones were resolved after their deadline. Deadlines come
// from the category's limit (the urgent one for urgent cases) on the default
// working calendar (Mon-Fri 08:30-12:00, 13:30-17:30, UTC+8, no holidays);
// handling_s is the working time from the final dispatch to the last
// resolve. The sweeper's marks (overdue_at, escalated_at, dispatch_late_at,
// check_late_at) are set where gridd's sweeper would have set them, so a
// running gridd finds almost nothing to sweep. Urges (督办) mostly come after
// a missed deadline.
//
// Events: only 'return' and 'urge' (what the statistics count), numbered
// from 1 per case, with the data gridd writes (unit_id, cell, category as
// kind:code). Their hashes are placeholders ('bench:<case>:<seq>'), not the
// sha256 chain gridd writes: `gridd audit-verify` fails on these cases, which
// is fine for a throwaway bench database. No reports, photos or
// notifications are made.
import fs from 'node:fs';

const CASE_COLUMNS = ['id', 'state', 'category_kind', 'category_code', 'cell_code', 'unit_id', 'urgent',
  'location', 'description', 'created_at', 'updated_at', 'version', 'event_count', 'last_hash', 'suspended',
  'suspended_at', 'extension_pending', 'proposed_due_at', 'registered_at', 'dispatched_at', 'due_at',
  'resolved_at', 'closed_at', 'rework_count', 'extension_count', 'return_count', 'urge_count', 'merged_into',
  'overdue_at', 'escalated_at', 'dispatch_late_at', 'check_late_at', 'reporter_id', 'handling_s'];
const EVENT_COLUMNS = ['case_id', 'seq', 'kind', 'actor_id', 'at', 'data', 'prev_hash', 'hash'];

const [mode, ...args] = process.argv.slice(2);
if (mode === 'columns') {
  console.log((args[0] === 'events' ? EVENT_COLUMNS : CASE_COLUMNS).join(', '));
  process.exit(0);
}
if (mode !== 'generate' || args.length < 3) {
  console.error('usage: stats_scale_gen.mjs columns cases|events\n' +
    '       stats_scale_gen.mjs generate META_JSON N EVENTS_FILE [SEED]');
  process.exit(2);
}
const meta = JSON.parse(fs.readFileSync(args[0], 'utf8'));
const N = Number(args[1]);
const eventsFd = fs.openSync(args[2], 'w');
const seed = Number(args[3] ?? 1);
if (!Number.isInteger(N) || N < 0) throw new Error(`bad case count ${args[1]}`);

// ---- randomness ------------------------------------------------------------
// sfc32: small, fast, good enough, and seeded.
let ra = 0x9e3779b9 ^ seed, rb = 0x243f6a88, rc = 0xb7e15162, rd = seed >>> 0;
function rng() {
  ra >>>= 0; rb >>>= 0; rc >>>= 0; rd >>>= 0;
  let t = (ra + rb) | 0;
  ra = rb ^ (rb >>> 9);
  rb = (rc + (rc << 3)) | 0;
  rc = (rc << 21) | (rc >>> 11);
  rd = (rd + 1) | 0;
  t = (t + rd) | 0;
  rc = (rc + t) | 0;
  return (t >>> 0) / 4294967296;
}
for (let i = 0; i < 20; i++) rng();
function gauss() {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
const lognormal = (median, sigma) => median * Math.exp(sigma * gauss());
// A weighted choice: cumulative weights, binary search.
function chooser(weights) {
  const cum = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => { s += w; cum[i] = s; });
  return () => {
    const x = rng() * s;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid; else lo = mid + 1;
    }
    return lo;
  };
}

// ---- the working calendar (calendar.c's defaults) ---------------------------
const OFFSET = 8 * 3600;                    // Asia/Shanghai, no DST
const PERIODS = [[30600, 43200], [48600, 63000]];   // 08:30-12:00, 13:30-17:30
const DAY = 86400;
const isWorkday = (localDay) => { const wd = (localDay + 3) % 7; return wd < 5; };  // 0 = Monday
// The next working instant at or after t (t itself when inside a period, but
// not at a period's end).
function nextWorking(t) {
  let local = t + OFFSET;
  for (let i = 0; i < 30; i++) {
    const day = Math.floor(local / DAY), sec = local - day * DAY;
    if (isWorkday(day)) {
      for (const [a, b] of PERIODS) {
        if (sec < a) return day * DAY + a - OFFSET;
        if (sec < b) return local - OFFSET;
      }
    }
    local = (day + 1) * DAY;
  }
  throw new Error('no working time');
}
function addWorkingSeconds(t, budget) {
  let local = nextWorking(t) + OFFSET;
  for (;;) {
    const day = Math.floor(local / DAY), sec = local - day * DAY;
    if (isWorkday(day)) {
      for (const [a, b] of PERIODS) {
        if (sec >= b) continue;
        const from = Math.max(sec, a);
        if (from + budget <= b) return day * DAY + from + budget - OFFSET;
        budget -= b - from;
        local = day * DAY + b;
      }
    }
    local = (day + 1) * DAY;
  }
}
function addWorkingDays(t, n) {
  const start = nextWorking(t) + OFFSET;
  let day = Math.floor(start / DAY);
  const clock = start - day * DAY;
  while (n > 0) { day++; if (isWorkday(day)) n--; }
  return day * DAY + clock - OFFSET;
}
// Working seconds in [a, b).
function workingBetween(a, b) {
  if (b <= a) return 0;
  let total = 0;
  let day = Math.floor((a + OFFSET) / DAY);
  const lastDay = Math.floor((b + OFFSET) / DAY);
  // Whole weeks in the middle at once.
  const firstFull = day + 1;
  const weeks = Math.max(0, Math.floor((lastDay - firstFull) / 7) - 1);
  for (; day <= lastDay; day++) {
    if (day === firstFull && weeks > 0) {
      total += weeks * 5 * 27000;
      day += weeks * 7 - 1;
      continue;
    }
    if (!isWorkday(day)) continue;
    for (const [p, q] of PERIODS) {
      const s = Math.max(a, day * DAY + p - OFFSET), e = Math.min(b, day * DAY + q - OFFSET);
      if (e > s) total += e - s;
    }
  }
  return total;
}
function addLimit(t, [value, unit]) {
  switch (unit) {
    case 'calendar_minutes': return t + value * 60;
    case 'calendar_hours': return t + value * 3600;
    case 'calendar_days': return t + value * DAY;
    case 'working_minutes': return addWorkingSeconds(t, value * 60);
    case 'working_hours': return addWorkingSeconds(t, value * 3600);
    case 'working_days': return addWorkingDays(t, value);
    default: throw new Error(`unknown limit unit ${unit}`);
  }
}

// ---- output ---------------------------------------------------------------
let dayCache = -1, dayText = '';
function ts(t) {            // integer seconds -> 'YYYY-MM-DD HH:MM:SS+00'
  if (t === null) return '\\N';
  t = Math.floor(t);
  const day = Math.floor(t / DAY);
  if (day !== dayCache) { dayCache = day; dayText = new Date(day * DAY * 1000).toISOString().slice(0, 10); }
  let s = t - day * DAY;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return `${dayText} ${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}+00`;
}
const nul = (v) => (v === null || v === undefined ? '\\N' : String(v));
const point = Buffer.alloc(16);
function ewkb(x, y) {       // a WGS-84 point as hex EWKB, what COPY takes for geometry
  point.writeDoubleLE(x, 0);
  point.writeDoubleLE(y, 8);
  return '0101000020E6100000' + point.toString('hex');
}
// Output buffers: lines are written into a Buffer as they come (a growing
// string would be a rope that the garbage collector keeps walking).
class Out {
  constructor(fd) { this.fd = fd; this.buf = Buffer.allocUnsafe(1 << 23); this.len = 0; }
  add(line) {
    if (this.len + line.length * 3 > this.buf.length) this.flush();
    this.len += this.buf.write(line, this.len);
  }
  flush() { writeAll(this.fd, this.buf, this.len); this.len = 0; }
}
function writeAll(fd, buf, len) {
  let off = 0;
  while (off < len) {
    try {
      off += fs.writeSync(fd, buf, off, len - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
const caseOut = new Out(1), eventOut = new Out(eventsFd);

// ---- the city ---------------------------------------------------------------
const now = meta.now;
const cats = meta.categories;
const cells = meta.cells;       // [code, community, x0, y0, x1, y1]
const units = meta.units;
// The demo's own cells (sequences 001-006) are busier: the old town centre.
const pickCell = chooser(cells.map((c) => lognormal(1, 0.8) * (Number(c[0].slice(12)) <= 6 ? 3 : 1)));
const pickCat = chooser(cats.map(() => lognormal(1, 1.0)));
const workersOf = meta.workers || {};
const allWorkers = meta.all_workers || [];
const supervisor = meta.supervisor ?? null;
const staffOf = meta.unit_staff || {};
const DESCRIPTIONS = {
  event: ['路面有垃圾散落', '占道堆放杂物', '商户店外经营', '非机动车乱停放', '绿地内有垃圾', '小广告张贴',
    '施工围挡破损', '道路积水', '乱扔烟头纸屑', '违规设置摊点'],
  component: ['井盖破损', '路灯不亮', '护栏倾斜', '人行道砖松动', '垃圾箱破损', '交通标志牌被遮挡',
    '雨水箅子缺失', '健身器材损坏'],
};
const RETURN_REASONS = ['不属于本单位职责', '位置信息有误，请核实', '需其他部门配合处置'];
const URGE_NOTES = ['请加快处置进度', '已超期，请尽快处理', '群众反映强烈，请优先处置'];

// Days of the window and how many cases each gets.
const startDay = Math.floor((meta.start + OFFSET) / DAY), endDay = Math.floor((meta.end + OFFSET) / DAY);
const nDays = endDay - startDay;
const dayWeights = [];
for (let d = startDay; d < endDay; d++) {
  const wd = (d + 3) % 7;
  const doy = (d - Math.floor(d / 365.2425) * 365.2425);   // roughly the day of the year
  const growth = 0.8 + 0.4 * (d - startDay) / nDays;
  const season = 1 + 0.15 * Math.sin(2 * Math.PI * (doy - 100) / 365.25);
  dayWeights.push(growth * season * (wd < 5 ? 1 : wd === 5 ? 0.7 : 0.6) * (0.9 + 0.2 * rng()));
}
const weightSum = dayWeights.reduce((a, b) => a + b, 0);
const HOURS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 4.0, 6.0, 6.5, 6.0, 4.0, 4.5, 6.0, 6.0, 5.5, 4.5,
  3.0, 2.0, 1.5, 1.0, 0.6, 0.3];
const pickHour = chooser(HOURS);

// ---- one case ---------------------------------------------------------------
const stats = { cases: 0, events: 0, states: {}, reworked: 0, extended: 0, suspended: 0, returned: 0,
  urged: 0, closed_late: 0, overdue_open: 0, no_reporter: 0 };
const recent = [];            // recent dispatched cases: merge targets
let nextId = meta.first_id;
const limitOf = (cat, urgent) => (urgent && cat.urgent_limit ? cat.urgent_limit : cat.limit);
const clampNow = (t) => Math.min(t, now - 60);

function emitCase(c) {
  caseOut.add(`${c.id}\t${c.state}\t${c.kind}\t${c.code}\t${c.cell}\t${nul(c.unit)}\t${c.urgent ? 't' : 'f'}\t` +
    `${c.loc}\t${c.description}\t${ts(c.created)}\t${ts(c.updated)}\t${c.version}\t${c.events.length}\t` +
    `${c.events.length ? `bench:${c.id}:${c.events.length}` : '\\N'}\t${c.suspendedAt !== null ? 't' : 'f'}\t` +
    `${ts(c.suspendedAt)}\t${c.proposedDue !== null ? 't' : 'f'}\t${ts(c.proposedDue)}\t${ts(c.registered)}\t` +
    `${ts(c.dispatched)}\t${ts(c.due)}\t${ts(c.resolved)}\t${ts(c.closed)}\t${c.reworks}\t${c.extensions}\t` +
    `${c.returns}\t${c.urges}\t${nul(c.mergedInto)}\t${ts(c.overdueAt)}\t${ts(c.escalatedAt)}\t` +
    `${ts(c.dispatchLateAt)}\t${ts(c.checkLateAt)}\t${nul(c.reporter)}\t${nul(c.handling)}\n`);
  c.events.sort((a, b) => a.at - b.at);
  c.events.forEach((e, i) => {
    const seq = i + 1;
    const data = JSON.stringify({ ...e.data, unit_id: e.unit, cell: c.cell, category: `${c.kind}:${c.code}` });
    eventOut.add(`${c.id}\t${seq}\t${e.kind}\t${nul(e.actor)}\t${ts(e.at)}\t${data}\t` +
      `${seq === 1 ? '\\N' : `bench:${c.id}:${seq - 1}`}\tbench:${c.id}:${seq}\n`);
  });
  stats.cases++;
  stats.events += c.events.length;
  stats.states[c.state] = (stats.states[c.state] || 0) + 1;
}

function makeCase(created) {
  let ci = pickCell();
  let ki = pickCat();
  let mergedInto = null;
  const u = rng();
  let kind = u < 0.03 ? 'rejected' : u < 0.04 ? 'cancelled' : u < 0.06 && recent.length ? 'merged' : 'dispatched';
  if (kind === 'merged') {
    const t = recent[Math.floor(rng() * recent.length)];
    mergedInto = t.id; ci = t.ci; ki = t.ki;      // a duplicate of an earlier report
  }
  const cell = cells[ci], cat = cats[ki];
  const workers = workersOf[cell[1]] || allWorkers;
  const reporter = rng() < 0.03 || !workers.length ? null : workers[Math.floor(rng() * workers.length)];
  if (reporter === null) stats.no_reporter++;
  const urgent = cat.urgent_by_default || (cat.urgent_limit !== null && rng() < 0.03);
  const unit0 = meta.routes[ci][ki];
  const c = {
    id: nextId++, state: '', kind: cat.kind, code: cat.code, cell: cell[0], unit: unit0, urgent,
    loc: ewkb(cell[2] + (cell[4] - cell[2]) * (0.02 + 0.96 * rng()), cell[3] + (cell[5] - cell[3]) * (0.02 + 0.96 * rng())),
    description: DESCRIPTIONS[cat.kind][Math.floor(rng() * DESCRIPTIONS[cat.kind].length)],
    created, updated: created, version: 1, events: [], suspendedAt: null, proposedDue: null, registered: null,
    dispatched: null, due: null, resolved: null, closed: null, reworks: 0, extensions: 0, returns: 0, urges: 0,
    mergedInto, overdueAt: null, escalatedAt: null, dispatchLateAt: null, checkLateAt: null, reporter,
    handling: null,
  };
  const verify = created + Math.min(4 * 3600, Math.round(lognormal(urgent ? 180 : 600, 0.8)));
  const dispatchLimit = (urgent ? 10 : 30) * 60;
  if (kind === 'rejected') {
    c.state = 'rejected'; c.updated = verify; c.version = 2;
    return c;
  }
  if (kind === 'merged') {
    c.state = 'merged';
    if (rng() < 0.4) { c.registered = verify; c.version++; }
    c.updated = clampNow((c.registered ?? created) + Math.round(lognormal(1200, 0.8)));
    c.version++;
    return c;
  }
  c.registered = verify;
  c.version = 2;
  // Dispatch, with returns before the final one.
  let d = verify + Math.round(lognormal(urgent ? 300 : 900, 0.9));
  if (d - verify > dispatchLimit) c.dispatchLateAt = verify + dispatchLimit + 30;
  if (kind === 'cancelled') {
    c.state = 'cancelled';
    const stage = rng();
    let at;
    if (stage < 0.4) {
      c.registered = null; c.version = 1; c.dispatchLateAt = null;
      at = created + Math.round(lognormal(1800, 0.8));
    } else if (stage < 0.7) {
      at = verify + Math.round(lognormal(900, 0.8));
      c.dispatchLateAt = at - verify > dispatchLimit ? verify + dispatchLimit + 30 : null;
    } else {
      c.dispatched = d; c.version++;
      c.due = addLimit(d, limitOf(cat, urgent));
      at = d + (c.due - d) * rng();
    }
    c.updated = clampNow(Math.round(at)); c.version++;
    return c;
  }
  let unit = unit0;
  const nret = rng() < 0.03 ? (rng() < 0.9 ? 1 : 2) : 0;
  for (let r = 0; r < nret; r++) {
    const accepted = rng() < 0.5;
    const at = d + Math.round(lognormal(7200, 1.0));
    c.events.push({ kind: 'return', at, unit, actor: staffOf[unit] ?? null,
      data: { reason: RETURN_REASONS[Math.floor(rng() * RETURN_REASONS.length)],
        from: accepted ? 'in_progress' : 'dispatched', to: 'registered' } });
    c.version += accepted ? 3 : 2;
    const redispatch = Math.round(lognormal(1200, 0.8));
    if (c.dispatchLateAt === null && redispatch > 60) c.dispatchLateAt = at + 30;
    d = at + redispatch;
    if (rng() < 0.5) unit = units[Math.floor(rng() * units.length)];
  }
  c.returns = nret;
  if (nret) stats.returned++;
  c.unit = unit;
  c.dispatched = d;
  c.version++;
  const limit = limitOf(cat, urgent);
  let due = addLimit(d, limit);
  const accept = d + Math.round(lognormal(urgent ? 300 : 900, 1.0));

  // The whole life as if it ran to the end; cut below when the case is open.
  const ageDays = (now - created) / DAY;
  const open = rng() < 0.075 + 0.5 * Math.exp(-ageDays / 25);
  const suspend = rng() < 0.0113;
  let cur = accept;
  const reworks = [];           // [resolve, failed check]
  const nrw = rng() < 0.08 ? (rng() < 0.8 ? 1 : 2) : 0;
  let clockStart = d;
  const dues = [];              // [deadline, in force from]
  dues.push([due, d]);
  for (let k = 0; k < nrw; k++) {
    const res = Math.max(cur + 60, Math.round(clockStart + (due - clockStart) * (0.1 + 0.8 * rng())));
    const chk = res + Math.round(lognormal(2700, 1.0));
    reworks.push([res, chk]);
    clockStart = chk; cur = chk;
    due = addLimit(chk, limit);
    dues.push([due, chk]);
  }
  let extAt = null, extDue = null;
  if (rng() < 0.05) {
    extAt = Math.round(cur + (due - cur) * (0.2 + 0.7 * rng()));
    extDue = due + Math.round(lognormal(3 * DAY, 0.6));
  }
  const dueFinal = extDue ?? due;
  const late = rng() < 0.105;
  let resolve = late ? Math.round(dueFinal + lognormal(5 * 3600, 1.3))
    : Math.round(cur + (dueFinal - cur) * (0.05 + 0.9 * rng() ** 1.3));
  if (extAt !== null) resolve = Math.max(resolve, extAt + 600);   // resolved after the extension
  const check = resolve + Math.round(lognormal(2700, 1.0));

  // Where the case stands now.
  let state, stop;              // stop: the last moment the case's history reaches
  if (suspend) {
    state = 'in_progress';
    stop = Math.round(accept + (clampNow(Math.max(accept + 60, Math.min(now, dueFinal + 30 * DAY))) - accept) * rng());
    c.suspendedAt = Math.max(accept + 1, Math.min(stop, now - 60));
    stop = c.suspendedAt;
    stats.suspended++;
  } else if (open || check > now - 60) {
    const r = rng();
    if (r < 0.25 && accept <= now - 60) {
      state = 'dispatched';
      stop = clampNow(Math.max(d + 1, Math.round(d + (now - d) * rng())));
    } else if (r < 0.85 || resolve > now - 60) {
      state = 'in_progress';
      stop = clampNow(Math.max(accept + 1, Math.min(resolve - 1, now)));
    } else {
      state = 'resolved';
      stop = clampNow(resolve + Math.round((Math.min(check, now) - resolve) * rng()));
    }
  } else {
    state = 'closed';
    stop = check;
  }
  c.state = state;
  const accepted = state !== 'dispatched';
  if (accepted) c.version++;
  // Reworks, the extension and the resolve that happened before stop.
  let dueNow = dues[0][0], lastResolve = null;
  if (accepted) {
    for (let k = 0; k < reworks.length; k++) {
      const [res, chk] = reworks[k];
      if (chk > stop) break;    // only whole rounds: resolved, then the check failed
      lastResolve = res;
      if (chk - res > 3600 && c.checkLateAt === null) c.checkLateAt = res + 3630;
      c.reworks++; c.version += 2;
      dueNow = dues[k + 1][0];
    }
    if (extAt !== null && extAt <= stop && c.reworks === reworks.length) {
      c.extensions = 1; c.version += 2; dueNow = extDue;
    } else if (state === 'in_progress' && !suspend && c.reworks === reworks.length && rng() < 0.04) {
      c.proposedDue = dueNow + 3 * DAY; c.version++;   // an extension asked for, not yet decided
    }
    if (state === 'resolved' || state === 'closed') {
      lastResolve = resolve; c.version++;
      if (state === 'closed') {
        c.closed = check; c.version++;
        if (check - resolve > 3600 && c.checkLateAt === null) c.checkLateAt = resolve + 3630;
      } else if (stop - resolve > 3600 && c.checkLateAt === null) c.checkLateAt = resolve + 3630;
    }
  }
  if (c.reworks) stats.reworked++;
  if (c.extensions) stats.extended++;
  c.due = dueNow;
  c.resolved = lastResolve;
  if (lastResolve !== null) c.handling = workingBetween(d, lastResolve);
  if (state === 'closed' && lastResolve > dueNow) stats.closed_late++;
  // The sweeper: the deadline passed while the unit had the case (an open
  // running case still has it now).
  const runningUntil = state === 'resolved' || state === 'closed' ? lastResolve : suspend ? stop : now - 60;
  if (runningUntil >= dueNow + 60) {
    c.overdueAt = dueNow + 30;
    const esc = dueNow + (dueNow - d);
    if (runningUntil >= esc + 60) c.escalatedAt = esc + 30;
    if (state === 'dispatched' || (state === 'in_progress' && !suspend)) stats.overdue_open++;
  }
  // Urges: mostly once the deadline has passed, while the case runs.
  const urgeFrom = runningUntil > dueNow ? dueNow : d;
  const nUrge = runningUntil > dueNow + 600 ? (rng() < 0.35 ? 1 + Math.floor(rng() * 3) : 0) : (rng() < 0.025 ? 1 : 0);
  for (let k = 0; k < nUrge && runningUntil > urgeFrom + 2; k++) {
    const at = Math.round(urgeFrom + 1 + (runningUntil - urgeFrom - 2) * rng());
    const st = accepted && at >= accept ? 'in_progress' : 'dispatched';
    c.events.push({ kind: 'urge', at, unit, actor: supervisor,
      data: { note: URGE_NOTES[Math.floor(rng() * URGE_NOTES.length)], from: st, to: st } });
    c.version++;
  }
  c.urges = c.events.length - nret;
  if (c.urges) stats.urged++;
  let updated = Math.max(stop, c.overdueAt ?? 0, c.escalatedAt ?? 0, c.checkLateAt ?? 0, c.dispatchLateAt ?? 0);
  for (const e of c.events) updated = Math.max(updated, e.at);
  c.updated = updated;
  if (state === 'in_progress' || state === 'dispatched' || state === 'resolved') {
    recent.push({ id: c.id, ci, ki });
  } else if (rng() < 0.3) {
    recent.push({ id: c.id, ci, ki });
  }
  if (recent.length > 4000) recent.splice(0, 2000);
  return c;
}

// ---- the window, day by day -------------------------------------------------
let made = 0, cum = 0;
for (let i = 0; i < nDays && made < N; i++) {
  cum += dayWeights[i];
  const upto = i === nDays - 1 ? N : Math.round(N * cum / weightSum);
  const n = upto - made;
  if (n <= 0) continue;
  const times = new Float64Array(n);
  const day0 = (startDay + i) * DAY - OFFSET;
  for (let k = 0; k < n; k++) times[k] = day0 + pickHour() * 3600 + Math.floor(rng() * 3600);
  times.sort();
  for (let k = 0; k < n; k++) emitCase(makeCase(times[k]));
  made = upto;
}
caseOut.flush();
eventOut.flush();
fs.closeSync(eventsFd);
stats.last_id = nextId - 1;
process.stderr.write(JSON.stringify(stats) + '\n');
