"""gunicorn's settings for the newsroom (read by gunicorn from the working directory).

`make serve` runs ``gunicorn newsroom.wsgi`` with these; the address comes from its
command line (``--bind``). Each worker is one process with its own database pool
(``DATABASE_POOL_MAX_SIZE``), so PostgreSQL sees at most workers × pool size
connections per app server.
"""

import gc
import os

# Worker processes: about 2 per core is a fair start for a page-rendering app that
# waits on PostgreSQL and Redis. gunicorn's own variable name.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: one request at a time each; the proxy in front buffers slow clients.
worker_class = "sync"
# A request still running after this many seconds is killed (and logged).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Keep-alive with the proxy in front.
keepalive = 5
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Access and error logs to stdout/stderr, like Django's own log.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trust X-Forwarded-* only from the proxy on this machine (gunicorn's default too).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket (gunicorn 24+): its fixed path under $HOME would be shared, and
# fought over, by every gunicorn on the machine (a second app server, the benchmark).
control_socket_disable = True

# Python's cyclic garbage collector: a full collection walks every object the worker
# holds, Django's and the app's own included; measured here as a 60-100 ms pause every
# few hundred requests, the p99 of most pages. Once the app is loaded, and again once
# the first requests have filled what stays for the worker's life (URL patterns,
# compiled templates, content types), those objects are frozen out of the collector's
# view (gc.freeze), so a full collection walks only what requests leave behind.
GC_FREEZE_AFTER_REQUESTS = int(os.environ.get("GC_FREEZE_AFTER_REQUESTS", "200"))


def _freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    _freeze_long_lived()


def post_request(worker, req, environ, resp) -> None:
    if worker.nr == GC_FREEZE_AFTER_REQUESTS:
        _freeze_long_lived()
