"""Shared by the benchmarks: a load generator of threads, percentiles, medians."""
import statistics
import threading
import time


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


def as_fast_as_possible(items, send, concurrency):
    """send(item) for every item from `concurrency` threads; returns elapsed seconds."""
    queue = list(items)
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            try:
                send(item)
            except Exception as exc:  # counted, reported, never hidden
                errors.append(exc)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("%d requests failed, e.g. %r" % (len(errors), errors[0]))
    return time.perf_counter() - started


def at_fixed_rate(items, send, rate, concurrency):
    """Open loop: item i is sent at start + i/rate (by whichever thread is free)."""
    items = list(items)
    lock = threading.Lock()
    position = [0]
    started = time.perf_counter()
    errors = []

    def worker():
        while True:
            with lock:
                index = position[0]
                if index >= len(items):
                    return
                position[0] += 1
            due = started + index / float(rate)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                send(items[index])
            except Exception as exc:
                errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("%d requests failed, e.g. %r" % (len(errors), errors[0]))
    return time.perf_counter() - started


def median(values):
    return statistics.median(values) if values else float("nan")
