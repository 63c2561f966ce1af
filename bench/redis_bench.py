"""The Redis counter in Python's redis client, for `make bench`.

The same loops as `golocks redis --mode incr|lock` (course/workbook/redis.go),
with the same Redis lock (pkg/redislock: the same Lua scripts, the same
back-off), so the two can be compared side by side on one server:

    redis_bench.py URL incr|lock PROCS COUNT KEY
        PROCS processes, each COUNT increments of the counter KEY (reset
        first); prints {"expected", "got", "lost", "elapsed_s"} as golocks
        --json does. elapsed_s runs from before the processes start to after
        the last one ends, as golocks times its worker processes.
    redis_bench.py URL lockcost 1 COUNT KEY
        COUNT uncontended acquire + release pairs of the lock, in this
        process; prints the same keys (expected = got = COUNT), elapsed_s
        timing the loop alone.

URL is redis://... or unix://:password@/path/to/socket. Needs Debian's
python3-redis.
"""

import json
import multiprocessing
import os
import random
import socket
import sys
import time

import redis

ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
"""

TTL_MS = 10000  # redislock.DefaultTTL
TIMEOUT = 60.0  # seconds; golocks' workers wait at most 10 s per lock
MIN_BACKOFF = 100e-6
MAX_BACKOFF = 5e-3


class Lock:
    """pkg/redislock's Lock: SET NX PX with a fencing INCR, compare-and-delete."""

    def __init__(self, r, key):
        self.key, self.fence = key, key + ":fence"
        self.acquire_script = r.register_script(ACQUIRE)
        self.release_script = r.register_script(RELEASE)
        self.id = "%s:%d:%s" % (socket.gethostname(), os.getpid(), os.urandom(6).hex())
        self.holds = 0
        self.owner = None

    def lock(self):
        deadline = time.monotonic() + TIMEOUT
        backoff = MIN_BACKOFF
        while True:
            self.holds += 1
            owner = "%s.%x" % (self.id, self.holds)
            res = self.acquire_script(keys=[self.key, self.fence], args=[owner, TTL_MS])
            if res[0] == 1:
                self.owner = owner
                return res[1]
            if time.monotonic() > deadline:
                raise TimeoutError("lock %s: timed out; held by %r" % (self.key, res[1]))
            sleep = backoff / 2 + random.uniform(0, backoff / 2)
            ttl = res[2] / 1000
            if 0 < ttl < sleep:
                sleep = ttl
            time.sleep(sleep)
            backoff = min(2 * backoff, MAX_BACKOFF)

    def unlock(self):
        owner, self.owner = self.owner, None
        if self.release_script(keys=[self.key], args=[owner]) != 1:
            raise RuntimeError("unlock %s: lock expired before it was released" % self.key)


def work(url, mode, count, key):
    r = redis.Redis.from_url(url)
    if mode == "incr":
        for _ in range(count):
            r.incr(key)
    elif mode == "lock":
        lock = Lock(r, key + ":lock")
        for _ in range(count):
            lock.lock()
            v = int(r.get(key) or 0)
            r.set(key, v + 1)
            lock.unlock()
    r.close()


def main():
    url, mode, procs, count, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    if mode not in ("incr", "lock", "lockcost"):
        sys.exit("mode must be incr, lock or lockcost")
    r = redis.Redis.from_url(url)
    r.delete(key, key + ":lock", key + ":lock:fence")
    if mode == "lockcost":
        lock = Lock(r, key + ":lock")
        lock.lock()  # the scripts loaded, the connection made
        lock.unlock()
        start = time.perf_counter()
        for _ in range(count):
            lock.lock()
            lock.unlock()
        elapsed = time.perf_counter() - start
        print(json.dumps({"expected": count, "got": count, "lost": 0, "elapsed_s": elapsed}))
        return
    start = time.perf_counter()
    ps = [multiprocessing.Process(target=work, args=(url, mode, count, key)) for _ in range(procs)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    elapsed = time.perf_counter() - start
    if any(p.exitcode != 0 for p in ps):
        sys.exit("a worker failed")
    expected = procs * count
    got = int(r.get(key) or 0)
    print(json.dumps({"expected": expected, "got": got, "lost": expected - got, "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
