"""How long a test waits for something that should happen at once: an HTTP answer from
central on loopback, a slip reaching the printer simulator, a thread stopping.

One generous constant rather than a guess per call: on a loaded machine (two suites at
once, each with a worker per core) a 5 s wait for a 50 ms answer failed runs that were
right. Waiting longer never slows a passing test; a test about a time-out sets its own.
"""

PATIENCE_S = 30.0
