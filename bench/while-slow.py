#!/usr/bin/env python3
"""What the CPUs did while the slow G's waited.

Reads a swarm trace (`minepool client swarm --trace FILE`) and a scheduler trace of the same run, taken on the
same clock (`perf sched record -k CLOCK_MONOTONIC`, then `perf sched timehist`), and prints:

  * how the machine's CPUs were shared, by thread kind, over every measured G-T interval, and over the slow
    ones only (G-T above --slow ms): if the slow ones saw other threads take the CPUs, that is what made them
    slow;
  * the bursts of slow G's (a window's worth, usually), each with the threads that ran meanwhile.

Usage (BENCHMARKS.md, "What bounds the paced p99", has the whole recipe):
  perf sched record -k CLOCK_MONOTONIC -o sched.data -- sleep 30 &
  SWARM_OPTS="--window 100 --trace trace.txt" FLOOR=0 WARMUP=3 SIZES=10000 RUNS=1 ROUNDS=10 bin/bench-swarm
  wait; perf sched timehist -i sched.data > timehist.txt
  python3 bench/while-slow.py trace.txt timehist.txt [--slow 5]
"""
import argparse
import bisect
import collections
import re
import signal

LINE = re.compile(r'^\s*([\d.]+)\s+\[(\d+)\]\s+(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$')
TASK = re.compile(r'^(.*)\[(\d+)(?:/(\d+))?\]$')


def parse_timehist(path):
    """(start_us, end_us, comm, tid, pid) for every stretch a thread ran; pid is the process (tid for kernel)."""
    runs = []
    for text in open(path):
        m = LINE.match(text)
        if not m:
            continue
        end = float(m.group(1)) * 1e6
        ran = float(m.group(6)) * 1e3
        t = TASK.match(m.group(3).strip())
        if not t:
            continue
        comm, tid, pid = t.group(1), int(t.group(2)), int(t.group(3) or t.group(2))
        runs.append((end - ran, end, comm, tid, pid))
    runs.sort()
    return runs


def kinds(runs):
    """A function naming each run's kind: the pool's loop, the swarm's thread, each JVM's JIT and GC, and so on."""
    pool_pid = next((pid for _, _, comm, _, pid in runs if comm.startswith('pool-event-loo')), None)
    busy = collections.Counter()
    for start, end, comm, tid, pid in runs:
        if comm == 'java' and tid != pid and pid != pool_pid:
            busy[(tid, pid)] += end - start
    swarm_tid, swarm_pid = busy.most_common(1)[0][0] if busy else (None, None)

    def kind(comm, tid, pid):
        who = 'pool' if pid == pool_pid else 'swarm' if pid == swarm_pid else None
        if comm.startswith('pool-event-loo'):
            return 'pool: event loop'
        if tid == swarm_tid:
            return 'swarm: its thread'
        if comm == '<idle>':
            return 'idle'
        if who and 'Compiler' in comm:
            return who + ': JIT compilers'
        if who and (comm.startswith(('GC Thread', 'G1 ', 'VM Thread'))):
            return who + ': GC and VM'
        if who:
            return who + ': other threads'
        if comm.startswith(('kworker', 'ksoftirqd', 'rcu', 'migration', 'kdamond', 'kcompactd', 'khugepaged')):
            return 'kernel threads'
        return 'other processes'
    return kind


def union(intervals):
    merged = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def shares(runs, kind, intervals):
    """CPU time of each kind inside the union of the intervals, and the union's length."""
    merged = union(intervals)
    starts = [a for a, _ in merged]
    total = collections.Counter()
    for start, end, comm, tid, pid in runs:
        i = bisect.bisect_right(starts, end) - 1
        while i >= 0 and merged[i][1] > start:
            overlap = min(end, merged[i][1]) - max(start, merged[i][0])
            if overlap > 0:
                total[kind(comm, tid, pid)] += overlap
            i -= 1
    return total, sum(b - a for a, b in merged)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # piped into head: stop quietly
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('trace')
    parser.add_argument('timehist')
    parser.add_argument('--slow', type=float, default=5.0, help='a G-T above this many ms is slow (default 5)')
    parser.add_argument('--cpus', type=int, default=None, help='CPUs of the machine (default: those in the trace)')
    args = parser.parse_args()

    gt = []
    for text in open(args.trace):
        f = text.split()
        if len(f) == 6 and f[0] == 'T' and f[2] == 'measured':
            gt.append((int(f[4]), int(f[4]) + int(f[5]), int(f[5]), int(f[1])))
    runs = parse_timehist(args.timehist)
    cpus = args.cpus or len({int(m.group(2)) for m in map(LINE.match, open(args.timehist)) if m})
    kind = kinds(runs)
    slow_us = args.slow * 1000
    latencies = sorted(g[2] for g in gt)
    if not latencies or not runs:
        raise SystemExit('no measured T lines in the trace, or no runs in the timehist')
    print('%d measured G-T: p50 %.2f ms, p99 %.2f ms; %d above %.1f ms; %d CPUs'
          % (len(latencies), latencies[len(latencies) // 2] / 1000, latencies[int(len(latencies) * 0.99)] / 1000,
             sum(1 for x in latencies if x > slow_us), args.slow, cpus))
    columns = []
    for label, chosen in (('all measured G-T', gt), ('G-T above %.1f ms' % args.slow,
                                                      [g for g in gt if g[2] > slow_us])):
        total, length = shares(runs, kind, [(a, b) for a, b, _, _ in chosen])
        columns.append((label, total, length))
    names = sorted({k for _, total, _ in columns for k in total},
                   key=lambda k: -columns[0][1].get(k, 0))
    print('\nshare of the %d CPUs while they waited' % cpus)
    print('%-26s' % 'thread kind' + ''.join('%22s' % label for label, _, _ in columns))
    for name in names:
        print('%-26s' % name + ''.join('%21.1f%%' % (100 * total.get(name, 0) / (cpus * length) if length else 0)
                                       for _, total, length in columns))
    print('%-26s' % 'wall time covered' + ''.join('%19.0f ms' % (length / 1000) for _, _, length in columns))

    print('\nbursts of slow G-T (20 or more within 2 ms of each other), with what ran meanwhile:')
    slow = sorted((a, b, lat, r) for a, b, lat, r in gt if lat > slow_us)
    bursts = []
    for a, b, lat, r in slow:
        if bursts and a - bursts[-1]['last'] <= 2000:
            burst = bursts[-1]
            burst['n'] += 1
            burst['last'] = a
            burst['end'] = max(burst['end'], b)
            burst['max'] = max(burst['max'], lat)
        else:
            bursts.append({'start': a, 'last': a, 'end': b, 'n': 1, 'max': lat, 'round': r})
    for burst in bursts:
        if burst['n'] < 20:
            continue
        total, length = shares(runs, kind, [(burst['start'], burst['end'])])
        top = ', '.join('%s %.0f%%' % (k, 100 * v / (cpus * length)) for k, v in total.most_common(4))
        print('  round %3d: %4d G-T up to %5.1f ms over %5.1f ms | %s'
              % (burst['round'], burst['n'], burst['max'] / 1000, length / 1000, top))


if __name__ == '__main__':
    main()
