/**
 * CPU profile of the all-in-one platform under place-booking load: spawns it with
 * `--cpu-prof`, books one product at 64 connections, stops it and prints the top functions.
 *
 *   npx tsx ops/bench/profile-http.ts [profileDir=/tmp/booking-cpu-prof] [seconds=10] [connections=64]
 *
 * PROFILE_FROM_DIR=<data dir>: start from a copy of that data folder (e.g. one with a long
 * history built by ops/bench/restart.bench.ts) instead of an empty one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnPlatform, stopChild, waitUp } from './bench-processes.js';
import { readMainProfile, topFunctions } from './cpu-profile-top.js';
import { benchPlaceBooking } from './http.bench.js';

const [dirArg, secondsArg, connectionsArg] = process.argv.slice(2);
const dir = path.resolve(dirArg ?? path.join(os.tmpdir(), 'booking-cpu-prof'));
fs.rmSync(dir, { recursive: true, force: true });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-http-'));
if (process.env.PROFILE_FROM_DIR) fs.cpSync(process.env.PROFILE_FROM_DIR, dataDir, { recursive: true });
const port = await freePort();
// through tsx: the profile then names the .ts files and lines (the bundle's would name ops/dist)
const platform = spawnPlatform(dataDir, port, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], entry: 'tsx' });
try {
  await waitUp(`http://127.0.0.1:${port}/health`, platform);
  const load = await benchPlaceBooking(port, [Number(connectionsArg ?? 64)], Number(secondsArg ?? 10));
  await stopChild(platform);
  const { file, profile } = readMainProfile(dir);
  // the first seconds are module loading and start-up
  console.log(JSON.stringify({ load, profile: file, ...topFunctions(profile, 30, 3) }, null, 2));
} finally {
  await stopChild(platform);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
