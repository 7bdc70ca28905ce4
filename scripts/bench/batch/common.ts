/** Shared bits of bench:batch: CPU clocks, load average, the engine, process accounting from /proc. */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { scanDataset } from '../../../src/core/dataset/scan';
import { EngineClient } from '../../../src/engine/client';
import { nodeDatasetFs } from '../../../src/engine/batch/nodeFs';

export const ROOT = resolve(__dirname, '../../..');
export const CORES = cpus().length;
export const CACHE = join(ROOT, '.cache/bench-batch');
/** The bundles the engine runs from (XRAY_BENCH_DIST: a copy, so a long run is not changed by a rebuild). */
export const DIST = resolve(process.env.XRAY_BENCH_DIST ?? join(ROOT, 'dist'));

export const log = (s: string) => console.log(s);
/** 1-minute load average, one decimal. */
export const load = () => +loadavg()[0].toFixed(1);
/** Three significant digits below 100 (rates under heavy load are small), else `d` decimals. */
export const round = (x: number, d = 1) => (Math.abs(x) < 100 ? +x.toPrecision(3) : +x.toFixed(d));

/** CPU milliseconds of this process, all threads. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function engine(env: Record<string, string> = {}): EngineClient {
  return new EngineClient({
    enginePath: join(DIST, 'engine.js'),
    execArgv: process.env.XRAY_BENCH_ENGINE_ARGS?.split(' ').filter(Boolean),
    log: (level, msg) => level === 'error' && console.error(msg),
    env: { XRAY_ANOMALY_ENGINE_LOG_LEVEL: 'warn', ...JSON.parse(process.env.XRAY_BENCH_ENGINE_ENV ?? '{}'), ...env },
  });
}

export async function listImages(dir: string): Promise<string[]> {
  return (await scanDataset(dir, nodeDatasetFs)).map((f) => join(dir, f.path));
}

/** Resident set size of a process in MB (0 when it is gone). */
export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The whole machine's core time (ms, /proc/stat): busy (user, nice, system, irq, softirq, steal) and
 * idle (idle, iowait). Zeros off Linux.
 */
export function machineMs(): { busy: number; idle: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    const tick = 1000 / 100; // USER_HZ is 100 on every Linux build Node supports
    return { busy: (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) * tick, idle: (f[3] + f[4]) * tick };
  } catch {
    return { busy: 0, idle: 0 };
  }
}

/**
 * CPU ms of a process's threads now alive (Linux schedstat), split into its main thread, libvips' workers
 * and all others (prep worker threads, inference lanes, onnxruntime's intra-op pool, libuv and V8 helpers), and the time the
 * main thread waited for a core; Node 20 names
 * neither worker threads nor onnxruntime's, so those cannot be told apart by name.
 */
export function threadCpuMs(pid: number): { main: number; mainWait: number; libvips: number; other: number } {
  const out = { main: 0, mainWait: 0, libvips: 0, other: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const ms = run / 1e6;
      if (tid === String(pid)) {
        out.main += ms;
        // The main thread runs the sessions: time it was runnable but off a core is time the pipeline lost.
        out.mainWait += wait / 1e6;
      } else if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').startsWith('libvips')) out.libvips += ms;
      else out.other += ms;
    }
  } catch {
    // Not Linux, or the process is gone.
  }
  return out;
}

/**
 * A process's threads' time on a CPU and waiting for one (Linux schedstat, ms, summed over its threads
 * now alive). Waiting = runnable but another task had the core: on a shared machine, the share of the
 * time lost to other work, which no change to the pipeline can win back.
 */
export function schedMs(pid: number): { cpu: number; wait: number } {
  const out = { cpu: 0, wait: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.cpu += run / 1e6;
      out.wait += wait / 1e6;
    }
  } catch {
    // Not Linux, or the process is gone: zeros.
  }
  return out;
}
