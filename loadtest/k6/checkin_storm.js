// Check-in storm for k6 (https://k6.io), for those who run k6 themselves:
// the project neither ships nor installs k6 (it is AGPL); `make bench` uses
// the Go driver in loadtest/cmd/yima-bench instead.
//
// Org leaders scan their volunteers' codes through the golden path's
// CheckinService/Scan, Connect JSON, with retries (the same scan_id sent
// again), repeats (the same volunteer again within the 60 s debounce) and
// bad codes (forged) mixed in.
//
// k6 cannot compute the volunteer codes (HMAC-SM3), so they come from a
// data file written by the Go driver, which also seeds the database and
// keeps `yima dev` running:
//
//   go build -o bin/yima ./cmd/yima && go build -o bin/yima-bench ./loadtest/cmd/yima-bench
//   bin/yima-bench -export-k6 /tmp/k6.json -hold 30m      # leave it running
//   k6 run -e DATA=/tmp/k6.json loadtest/k6/checkin_storm.js
//
// Environment (-e NAME=value):
//   DATA        the data file (required)
//   BASE_URL    the server (default: the one in the data file)
//   RATE        scans started per second (default 1000)
//   DURATION    how long (default 60s)
//   VUS         pre-allocated virtual users (default 200), MAX_VUS (default 1000)
//   RETRY_SHARE, REPEAT_SHARE, BAD_SHARE   shares of each kind (default 0.02 each)
//
// A volunteer scanned twice within 60 s gets the first answer again
// (duplicate), so keep RATE × 60 below the number of targets in the file
// (-export-targets) or the storm turns into repeats.

import http from 'k6/http';
import { check, fail } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';

const dataFile = __ENV.DATA;
if (!dataFile) {
  fail('set -e DATA=<file written by yima-bench -export-k6>');
}

// Each SharedArray is parsed once and shared read-only by every VU.
const meta = new SharedArray('meta', () => {
  const d = JSON.parse(open(dataFile));
  return [{
    baseURL: d.base_url,
    stepSeconds: d.step_seconds,
    firstStep: d.first_step,
    steps: d.steps,
    tokens: d.tokens,
    badCodes: d.bad_codes,
  }];
})[0];
const targets = new SharedArray('targets', () => JSON.parse(open(dataFile)).targets);

const baseURL = __ENV.BASE_URL || meta.baseURL;
const retryShare = Number(__ENV.RETRY_SHARE || 0.02);
const repeatShare = Number(__ENV.REPEAT_SHARE || 0.02);
const badShare = Number(__ENV.BAD_SHARE || 0.02);

export const options = {
  scenarios: {
    storm: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 1000),
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: Number(__ENV.VUS || 200),
      maxVUs: Number(__ENV.MAX_VUS || 1000),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.001'],
    'http_req_duration{kind:fresh}': ['p(99)<50'],
    checks: ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(90)', 'p(99)', 'max'],
};

const acked = new Counter('scans_acked');
const duplicates = new Counter('scans_duplicate');
const rejected = new Counter('scans_rejected');
const scanTime = new Trend('scan_ms', true);

const SCAN = '/yima.checkin.v1.CheckinService/Scan';

// scan posts one scan and returns the decoded answer, or null on failure.
function scan(token, body, kind) {
  const res = http.post(baseURL + SCAN, JSON.stringify(body), {
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    tags: { kind: kind, name: SCAN },
    timeout: '10s',
  });
  scanTime.add(res.timings.duration, { kind: kind });
  if (res.status !== 200) {
    check(res, { 'scan answered 200': () => false });
    return null;
  }
  const out = res.json();
  if (out.duplicate) {
    duplicates.add(1);
  } else if (out.outcome === 'SCAN_OUTCOME_SIGNED_IN' || out.outcome === 'SCAN_OUTCOME_SIGNED_OUT') {
    acked.add(1);
  } else {
    rejected.add(1);
  }
  return out;
}

// codeNow is the target's code for the current 30 s step.
function codeNow(t) {
  const step = Math.floor(Date.now() / 1000 / meta.stepSeconds) - meta.firstStep;
  if (step < 0 || step >= meta.steps) {
    exec.test.abort('the data file\'s codes have expired: export it again');
  }
  return t.codes[step];
}

export default function () {
  // iterationInTest is unique across VUs: targets are visited in turn.
  const n = exec.scenario.iterationInTest;
  const t = targets[n % targets.length];
  const token = meta.tokens[t.org];
  const scanID = 'k6-' + exec.vu.idInTest + '-' + n + '-' + Date.now();
  const r = Math.random();

  if (r < badShare) {
    const body = { scan_id: scanID, project_id: t.project, payload: meta.badCodes[n % meta.badCodes.length] };
    const out = scan(token, body, 'bad');
    check(out, { 'bad code rejected': (o) => o !== null && o.outcome === 'SCAN_OUTCOME_REJECTED' });
    return;
  }
  const body = { scan_id: scanID, project_id: t.project, payload: codeNow(t), gate: 'k6' };
  const first = scan(token, body, 'fresh');
  check(first, { 'scan answered': (o) => o !== null && o.outcome !== undefined });
  if (first === null) {
    return;
  }
  if (r < badShare + retryShare) {
    // The client lost the answer and sends the same scan again.
    const again = scan(token, body, 'retry');
    check(again, { 'retry gets the first answer': (o) => o !== null && o.duplicate === true && o.outcome === first.outcome });
  } else if (r < badShare + retryShare + repeatShare) {
    // The volunteer holds the code up twice: a new scan within the debounce.
    const repeat = scan(token, Object.assign({}, body, { scan_id: scanID + '-r' }), 'repeat');
    check(repeat, { 'repeat within 60 s is a duplicate': (o) => o !== null && o.duplicate === true });
  }
}
