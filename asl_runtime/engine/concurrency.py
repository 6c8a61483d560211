"""Running independent scopes (Parallel branches, Map iterations).

Under the virtual clock they run one after another, each on its own fork of the clock so that
simulated time overlaps.  Under the real clock they run on threads, up to MaxConcurrency.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from ..limits import MAX_THREADS


def run_all(frame, jobs, max_concurrency: int = 0, steps=None):
    """Run job(child_frame) for each job; returns (results, children). Re-raises the first error.

    `steps[i]` is the scope step of job i's frame (("Parallel", name, index)).
    """
    steps = steps or [None] * len(jobs)
    if frame.clock.virtual or len(jobs) <= 1:
        results, children = [], []
        for job, step in zip(jobs, steps):
            child = frame.child(step)
            children.append(child)
            results.append(job(child))
        return results, children
    children = [frame.child(step) for step in steps]
    workers = max_concurrency if max_concurrency and max_concurrency > 0 else min(len(jobs), MAX_THREADS)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job, child) for job, child in zip(jobs, children)]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for f in pending:
            f.cancel()
        for f in futures:
            if f.done() and not f.cancelled() and f.exception() is not None:
                raise f.exception()
        return [f.result() for f in futures], children
