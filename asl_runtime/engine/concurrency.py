"""Running independent scopes (Parallel branches, Map iterations).

Under the virtual clock they run one after another, each on its own fork of the clock so that
simulated time overlaps.  Under the real clock they run on threads, up to MaxConcurrency.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait


def run_all(frame, jobs, max_concurrency: int = 0):
    """Run job(child_frame) for each job; returns (results, children). Re-raises the first error."""
    if frame.clock.virtual or len(jobs) <= 1:
        results, children = [], []
        for job in jobs:
            child = frame.child()
            children.append(child)
            results.append(job(child))
        return results, children
    children = [frame.child() for _ in jobs]
    workers = max_concurrency if max_concurrency and max_concurrency > 0 else min(len(jobs), 64)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job, child) for job, child in zip(jobs, children)]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for f in pending:
            f.cancel()
        for f in futures:
            if f.done() and not f.cancelled() and f.exception() is not None:
                raise f.exception()
        return [f.result() for f in futures], children
