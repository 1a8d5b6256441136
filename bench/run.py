"""The benchmark runner (make bench): fill, serve with gunicorn, load with wrk, print, save.

``python -m bench.run [--articles N | --demo] [--scale 1000,10000,100000]``. The database is a
separate one: ``bench/data/bench-<N>.sqlite3`` by default, or the PostgreSQL database of
``DATABASE_URL`` when that is set (``<name>_<N>`` for each size of a scaling run). A
database already holding N articles is reused; anything else is made again. ``--demo``
serves ``make run``'s demo newsroom (``seed_demo``) instead, in ``bench-demo.sqlite3``.

For each run: ``python -m bench.probe`` (in-process, page cache off) writes the URL lists
and counts SQL queries per request; then the production server (gunicorn, the prod
settings plus the floor views, DEBUG off, 2 workers, 127.0.0.1, a free port) is started
twice: page cache off ("uncached": every request renders) and on ("cached": every URL
requested once first). wrk loads each page kind for ``--duration`` seconds, rotating
over its URL list (bench/wrk.lua), and the floor views in the same server; with the page
cache off, also at one connection per worker ("latency": no request waits in a queue,
so p99 is the page's own cost). Each row also gives the workers' CPU time per request
("cpu ms": user and system time of the gunicorn workers, from /proc, over wrk's
requests), the server's cost of a page whatever the machine's other load. Then a soak:
``--soak`` seconds at 64 connections over all kinds mixed, workers' memory read before
and after. Then the *busy desk*: readers over the page kinds mixed while an editor
process (bench/desk.py) saves at a set rate — quiet, 5 draft saves/s, 20 editors
autosaving, 1 and 5 published saves/s — ``--desk`` seconds each, in ``--desk-rounds``
rounds, with the reader req/s, p99 and page-cache hit rate as ratios to the same round's
quiet row; the median round is reported (median_rounds). The autosaving editors (20 staff users in
the Editor role, each with one of the newest published articles open in the admin,
posting the whole form to its autosave URL every 10 s, staggered) work over HTTP
through the same server; their row also gives the autosaves made and failed, their
median and p99 latency, the page-cache purges meanwhile and the articles changed, all of
which must be 0 but the autosaves: an autosave keeps the editor's work aside and changes
nothing readers see. Every figure is also printed as a ratio to the floor of the same
server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
LUA = BENCH_DIR / "wrk.lua"
DESK_LUA = BENCH_DIR / "wrk-desk.lua"
POLL_LUA = BENCH_DIR / "wrk-poll.lua"
PYTHON = sys.executable
PAGE_KINDS = ("home", "article", "section", "tag", "author", "search", "feed", "sitemap")
FLOOR_KINDS = ("floor_hello", "floor_template")
SETTINGS = {"cached": "newsroom.settings.bench", "uncached": "newsroom.settings.bench_uncached"}
WORKERS = 2
TARGETS = {
    "article_queries_max": 8,
    "uncached_article_vs_template_floor": 0.5,
    "cached_article_vs_hello_floor": 0.8,
    "scale_p99_growth_max": 1.5,
    "pg_search_p99_ms": 100,
}


# Parsing and arithmetic (tested on canned output) ------------------------------------


def parse_wrk(output: str) -> dict:
    """Return the figures of one wrk run from its output (bench/wrk.lua's JSON line).

    Adds requests/s and milliseconds, and cross-checks wrk's own text lines: the
    "Non-2xx or 3xx responses" count and "Socket errors". Raises ValueError without
    the JSON line (wrk failed before ``done``).
    """
    match = re.search(r"^BENCH_JSON (\{.*\})\s*$", output, re.MULTILINE)
    if not match:
        raise ValueError("no BENCH_JSON line in the wrk output:\n" + output[-2000:])
    raw = json.loads(match[1])
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = dict(raw["errors"])
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors["non_2xx_3xx"] = int(non_2xx[1]) if non_2xx else 0
    socket_errors = sum(errors[k] for k in ("connect", "read", "write", "timeout"))
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p90_ms": round(latency["p90"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "bytes_per_response": round(raw["bytes"] / raw["requests"]) if raw["requests"] else 0,
        "errors": errors,
        "error_count": socket_errors + max(errors["status"], errors["non_2xx_3xx"]),
        **_hit_rate(output),
    }


def _hit_rate(output: str) -> dict:
    """Return the page-cache hit rate of a bench/wrk-desk.lua run ({} for bench/wrk.lua)."""
    match = re.search(r"^BENCH_HITS (\{.*\})\s*$", output, re.MULTILINE)
    if not match:
        return {}
    counts = json.loads(match[1])
    answers = counts["answers"]
    return {"hit_rate": round(counts["hits"] / answers, 3) if answers else 0.0}


def with_ratios(rows: dict[str, dict]) -> dict[str, dict]:
    """Return ``rows`` with every figure divided by the floors measured in the same server.

    ``rps_x_hello`` / ``rps_x_template``: requests/s as a share of each floor's (1.0 = as
    fast as the floor); ``p50_x_template`` / ``p99_x_template``: latency as a multiple of
    the template floor's.
    """
    hello, template = rows.get("floor_hello"), rows.get("floor_template")
    out = {}
    for kind, row in rows.items():
        row = dict(row)
        if "rps" in row:
            for name, floor in (("hello", hello), ("template", template)):
                if floor and floor.get("rps"):
                    row[f"rps_x_{name}"] = round(row["rps"] / floor["rps"], 3)
            if template and template.get("p99_ms"):
                row["p50_x_template"] = round(row["p50_ms"] / max(template["p50_ms"], 0.01), 2)
                row["p99_x_template"] = round(row["p99_ms"] / max(template["p99_ms"], 0.01), 2)
        out[kind] = row
    return out


def scale_growth(by_size: dict[int, dict[str, dict]]) -> dict[str, dict]:
    """Return, per page kind, p50/p99 at each size and the growth from smallest to largest."""
    sizes = sorted(by_size)
    growth = {}
    for kind in PAGE_KINDS:
        points = {n: by_size[n].get(kind, {}) for n in sizes}
        if not all("p99_ms" in row for row in points.values()):
            continue
        first, last = points[sizes[0]], points[sizes[-1]]
        growth[kind] = {
            "p50_ms": {str(n): row["p50_ms"] for n, row in points.items()},
            "p99_ms": {str(n): row["p99_ms"] for n, row in points.items()},
            "p50_growth": round(last["p50_ms"] / max(first["p50_ms"], 0.01), 2),
            "p99_growth": round(last["p99_ms"] / max(first["p99_ms"], 0.01), 2),
        }
    return growth


# Table -------------------------------------------------------------------------------


def format_table(rows: dict[str, dict], probe: dict[str, dict], title: str) -> str:
    """Return one mode's results as a text table."""
    header = (
        f"{'page':<15}{'req/s':>9}{'×tmpl':>7}{'×hello':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'p99×tmpl':>9}{'cpu ms':>8}{'queries':>9}{'bytes':>9}{'errors':>8}"
    )
    lines = [title, header, "-" * len(header)]
    for kind in (*FLOOR_KINDS, *PAGE_KINDS):
        row, measured = rows.get(kind), probe.get(kind, {})
        if row is None or "rps" not in row:
            reason = (row or {}).get("skipped") or measured.get("skipped") or "not run"
            lines.append(f"{kind:<15}  skipped: {reason}")
            continue
        low, high = measured.get("queries_min", "?"), measured.get("queries_max", "?")
        queries = f"{low}" if low == high else f"{low}-{high}"
        lines.append(
            f"{kind:<15}{row['rps']:>9.0f}{row.get('rps_x_template', 0):>7.2f}"
            f"{row.get('rps_x_hello', 0):>7.2f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row.get('p99_x_template', 0):>9.1f}{row.get('cpu_ms', 0):>8.2f}{queries:>9}"
            f"{measured.get('bytes', row.get('bytes_per_response', 0)):>9}"
            f"{row.get('error_count', 0):>8}"
        )
    return "\n".join(lines)


def format_scale(growth: dict[str, dict], mode: str = "uncached") -> str:
    lines = [f"Scaling ({mode}): p50 / p99 in ms at each size, growth smallest→largest"]
    for kind, row in growth.items():
        points = "  ".join(
            f"{n}: {row['p50_ms'][n]:.1f}/{row['p99_ms'][n]:.1f}" for n in row["p99_ms"]
        )
        lines.append(
            f"  {kind:<10}{points}   p50 ×{row['p50_growth']:.2f}  p99 ×{row['p99_growth']:.2f}"
        )
    return "\n".join(lines)


# Processes ---------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def size_label(articles: int) -> str:
    """Return how a run is named: its number of articles, or "demo" (0: the demo newsroom)."""
    return str(articles) if articles else "demo"


def database_url(articles: int, scaled: bool) -> str:
    """Return the benchmark database's URL for ``articles`` articles (0: the demo newsroom)."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA_DIR / f'bench-{size_label(articles)}.sqlite3'}"
    if not scaled and articles:
        return configured
    parts = urlsplit(configured)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{size_label(articles)}"))


def base_env(db_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env |= {
        "DJANGO_SETTINGS_MODULE": SETTINGS["uncached"],
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(DATA_DIR / "media"),
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=check, text=True)


def recreate_database(db_url: str) -> None:
    """Remove the benchmark database (a SQLite file, or DROP/CREATE on PostgreSQL)."""
    parts = urlsplit(db_url)
    if parts.scheme.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parts.path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ensure_postgres_database(db_url: str) -> None:
    parts = urlsplit(db_url)
    if parts.scheme.startswith("sqlite"):
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_filled(env: dict[str, str], articles: int) -> float:
    """Migrate and fill the database unless it holds ``articles`` articles; return seconds.

    ``articles`` 0: the demo newsroom (``seed_demo`` adds only what is missing).
    """
    started = time.monotonic()
    ensure_postgres_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    if not articles:
        manage(env, "seed_demo", "--no-users", "--verbosity", "0")
        return time.monotonic() - started
    fill = manage(env, "bench_data", "--articles", str(articles), "--reuse", check=False)
    if fill.returncode != 0:
        log("The database holds something else: making it again.")
        recreate_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "bench_data", "--articles", str(articles))
    # Planner statistics for indexes a later migration added to a reused database (SQLite
    # keeps none until ANALYZE; PostgreSQL's autovacuum would get there in its own time).
    analyze = "from django.db import connection; connection.cursor().execute('ANALYZE')"
    manage(env, "shell", "--no-imports", "-c", analyze)
    return time.monotonic() - started


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yield a REDIS_URL: the environment's, else a private redis-server for the run, else ""."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if not binary:
        log("No REDIS_URL and no redis-server: each worker caches pages in its own memory.")
        yield ""
        return
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


class Server:
    """gunicorn with the production config (gunicorn.conf.py), on a free port."""

    def __init__(self, env: dict[str, str], mode: str, log_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = env | {"DJANGO_SETTINGS_MODULE": SETTINGS[mode]}
        self.log_path = log_dir / f"gunicorn-{mode}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        command = [str(Path(PYTHON).parent / "gunicorn"), "newsroom.wsgi"]
        if (ROOT / "gunicorn.conf.py").exists():
            command += ["--config", "gunicorn.conf.py"]
        command += [
            "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
            "--access-logfile", "-", "--error-logfile", "-",
        ]  # fmt: skip
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.base}/bench/hello/", timeout=2) as response,
            ):
                if response.status == 200 and len(self.worker_pids()) == WORKERS:
                    return self
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 60 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_cpu_seconds(self) -> float:
        """Return the user and system CPU time the workers have used so far, in seconds."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                # Fields 14 and 15 (utime, stime), counted after the ")" ending the name.
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def worker_rss_mb(self) -> list[float]:
        """Return each worker's resident memory in MB (VmRSS of /proc/<pid>/status)."""
        sizes = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                kb = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)[1])
                sizes.append(round(kb / 1024, 1))
        return sizes

    def warm(self, url_files: dict[str, Path], seconds: float) -> dict[str, Path]:
        """Request each kind's URLs once, within ``seconds`` in all; return the warmed lists.

        Uncached pages can be slow on a large archive, so the warm-up is bounded: each
        kind gets an equal share of the time, and the cached measurements rotate over
        the URLs actually stored (``<kind>-warm.txt``), so every request is a cache hit.
        """

        def fetch(path: str) -> str | None:
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.base + path, timeout=30) as response,
            ):
                response.read()
                return path if response.status == 200 else None
            return None

        warmed = {}
        share = seconds / max(1, len(url_files))
        with ThreadPoolExecutor(2 * WORKERS) as pool:
            for kind, url_file in url_files.items():
                deadline = time.monotonic() + share
                paths, done = url_file.read_text().split(), []
                for start in range(0, len(paths), 4 * WORKERS):
                    if time.monotonic() > deadline:
                        break
                    chunk = paths[start : start + 4 * WORKERS]
                    done += [p for p in pool.map(fetch, chunk) if p]
                if done:
                    warmed[kind] = url_file.with_name(f"{kind}-warm.txt")
                    warmed[kind].write_text("\n".join(done) + "\n")
                log(f"  warmed {len(done)} of {len(paths)} {kind} URLs")
        return warmed

    def drain(self, limit: float = 90) -> None:
        """Wait until the workers are idle: requests wrk gave up on still run to the end.

        Sync workers finish a request whose client has gone, so a slow page's backlog
        would otherwise be paid by the next page kind measured.
        """
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            started = time.monotonic()
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.base}/bench/hello/", timeout=limit) as response,
            ):
                response.read()
            if time.monotonic() - started < 0.1:
                return
        log("  the server stayed busy: measuring anyway")

    def sample_rss(self, seconds: float, every: float = 10) -> list[list[float]]:
        """Return the workers' RSS every ``every`` seconds for ``seconds`` (runs in a thread)."""
        samples, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            samples.append(self.worker_rss_mb())
            time.sleep(every)
        return samples


def run_wrk(
    base: str,
    url_file: Path,
    *,
    duration: int,
    connections: int,
    threads: int = 2,
    script: Path | None = None,
) -> dict:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
        "--latency", "-s", str(script or LUA), base, "--", str(url_file),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr[-2000:]}")
    return parse_wrk(result.stdout)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("wrk is missing: installing the Debian package.")
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "-n", "apt-get"]
    subprocess.run([*apt, "install", "-y", "-q", "wrk"], check=True)


# One run -----------------------------------------------------------------------------


def measure_mode(
    server: Server, url_files: dict[str, Path], kinds: list[str], duration: int, connections: int
) -> dict[str, dict]:
    rows = {}
    for kind in kinds:
        if kind not in url_files:
            rows[kind] = {"skipped": "its URLs answer 404 or could not be built"}
            continue
        server.drain()
        cpu_before = server.worker_cpu_seconds()
        rows[kind] = run_wrk(
            server.base, url_files[kind], duration=duration, connections=connections
        )
        if rows[kind]["requests"]:
            cpu = server.worker_cpu_seconds() - cpu_before
            rows[kind]["cpu_ms"] = round(cpu * 1000 / rows[kind]["requests"], 2)
        if not rows[kind]["requests"]:
            # Every request outlived wrk's 5 s timeout: nothing to time, all of them failed.
            rows[kind]["error_count"] = max(rows[kind]["error_count"], connections)
            rows[kind]["note"] = "no request finished within 5 s"
        log(
            f"  {kind:<15}{rows[kind]['rps']:>8.0f} req/s  p50 {rows[kind]['p50_ms']:.1f} ms"
            f"  p99 {rows[kind]['p99_ms']:.1f} ms  cpu {rows[kind].get('cpu_ms', 0):.2f} ms"
            f"  errors {rows[kind]['error_count']}"
        )
    return with_ratios(rows)


def run_once(args: argparse.Namespace, articles: int, *, scaled: bool, redis_url: str) -> dict:
    """Fill (or reuse), probe, and load the server; return this size's results."""
    db_url = database_url(articles, scaled)
    env = base_env(db_url, redis_url)
    vendor = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    log(f"{size_label(articles)} articles on {vendor}: {db_url}")
    fill_seconds = ensure_filled(env, articles)
    log(f"Database ready in {fill_seconds:.0f} s.")
    work = Path(tempfile.mkdtemp(prefix=f"bench-{size_label(articles)}-"))
    probe_run = subprocess.run(
        [PYTHON, "-m", "bench.probe", str(work)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if probe_run.returncode != 0:
        raise RuntimeError(f"bench.probe failed:\n{probe_run.stderr[-3000:]}")
    probe = json.loads((work / "probe.json").read_text())
    for kind, measured in probe.items():
        if "skipped" in measured:
            log(f"Skipping {kind}: {measured['skipped']}")
    url_files = {kind: work / f"{kind}.txt" for kind in probe if (work / f"{kind}.txt").exists()}
    kinds = [*FLOOR_KINDS, *PAGE_KINDS]
    result: dict = {
        "articles": articles,
        "database": vendor,
        "fill_or_reuse_seconds": round(fill_seconds, 1),
        "probe": probe,
        "modes": {},
    }
    modes = ["uncached"] if scaled else ["uncached", "cached"]
    for mode in modes:
        with Server(env, mode, work) as server:
            files = url_files
            if mode == "cached":
                log(f"Warming the page cache (at most {args.warm} s)")
                pages = {k: v for k, v in url_files.items() if k in PAGE_KINDS}
                files = url_files | server.warm(pages, args.warm)
            log(f"{mode}: {args.duration} s per page kind, {args.connections} connections")
            rows = measure_mode(server, files, kinds, args.duration, args.connections)
            result["modes"][mode] = rows
            if mode == "uncached":
                # One connection per worker: a request never waits for another, so p50
                # and p99 are what rendering the page costs, not time in the queue.
                log(f"latency: {args.duration} s per page kind, {WORKERS} connections")
                rows = measure_mode(server, files, kinds, args.duration, WORKERS)
                result["modes"]["latency"] = rows
            if mode == "cached" and args.soak:
                result["soak"] = soak(server, url_files, args)
            if mode == "cached" and args.desk:
                result["busy_desk"] = busy_desk(server, url_files, args)
            if mode == "cached" and args.live:
                result["live"] = live_coverage(server, work, args)
    shutil.rmtree(work, ignore_errors=True)
    return result


def soak(server: Server, url_files: dict[str, Path], args: argparse.Namespace) -> dict:
    """Load every page kind mixed at 64 connections while an editor saves; report errors
    and workers' memory.

    The production configuration (page cache on), over every URL of every kind, warmed or
    not: hits and misses mixed, as when a crawler or a news peak meets the site, and an
    editor saving a published article every ``1 / --soak-saves`` seconds (bench/desk.py).
    """
    mixed = [p for k, f in url_files.items() if k in PAGE_KINDS for p in f.read_text().split()]
    random.Random(64).shuffle(mixed)
    mixed_file = url_files["floor_hello"].parent / "mixed.txt"
    mixed_file.write_text("\n".join(mixed) + "\n")
    before = server.worker_rss_mb()
    log(f"Soak: {args.soak} s at {args.soak_connections} connections, all kinds mixed")
    editor = (
        start_editor(server, "published", args.soak_saves, args.soak) if args.soak_saves else None
    )
    with ThreadPoolExecutor(1) as pool:
        timeline = pool.submit(server.sample_rss, args.soak - 1)
        row = run_wrk(
            server.base, mixed_file, duration=args.soak, connections=args.soak_connections
        )
    after = server.worker_rss_mb()
    samples = timeline.result()
    row |= {
        "connections": args.soak_connections,
        "rss_mb_before": before,
        "rss_mb_after": after,
        "rss_mb_peak": [max(values) for values in zip(before, *samples, after, strict=False)],
        "rss_mb_every_10s": samples,
    }
    if editor is not None:
        row["editor"] = finish_editor(editor, args.soak)
    log(
        f"  soak: {row['rps']:.0f} req/s, p99 {row['p99_ms']:.1f} ms, errors {row['errors']}, "
        f"worker RSS {before} → peak {row['rss_mb_peak']} "
        f"→ {after} MB, saves {row.get('editor', {}).get('saves', 0)}"
    )
    return row


def start_editor(server: Server, kind: str, rate: float, seconds: float) -> subprocess.Popen:
    """Start bench/desk.py saving ``kind`` articles at ``rate`` a second for ``seconds``.

    ``autosave``: ``rate`` editors autosaving through ``server``. Returns once the editor
    is set up (its ``DESK_READY`` line: Django started, the autosaving editors' forms
    open), so the readers measured next meet the editor at work.
    """
    command = [PYTHON, "-m", "bench.desk", kind, str(rate), str(seconds + 2)]
    if kind == "autosave":
        command += ["--base", server.base]
    editor = subprocess.Popen(
        command,
        cwd=ROOT,
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert editor.stdout is not None
    for line in editor.stdout:
        if line.strip() == "DESK_READY":
            return editor
    _, err = editor.communicate(timeout=60)
    raise RuntimeError(f"bench.desk {kind} failed before starting:\n{err[-2000:]}")


def finish_editor(editor: subprocess.Popen, seconds: float) -> dict:
    """Wait for the editor; return its counts (raises if it failed)."""
    out, err = editor.communicate(timeout=seconds + 60)
    found = re.search(r"^DESK_JSON (\{.*\})$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"bench.desk failed:\n{err[-2000:]}")
    return json.loads(found[1])


# What the newsroom does while readers read: (name, kind of article saved, saves per second;
# for "autosave", editors each autosaving every 10 s).
AUTOSAVE_ROW = "20 editors autosaving"
DESK_SCENARIOS = (
    ("quiet", None, 0),
    ("5 draft saves/s", "draft", 5),
    (AUTOSAVE_ROW, "autosave", 20),
    ("1 published save/s", "published", 1),
    ("5 published saves/s", "published", 5),
)
DESK_KINDS = ("home", "article", "section", "tag", "author")
# Reader req/s as a share of quiet's, at least.
DESK_TARGETS = {
    "5 draft saves/s": 0.95,
    AUTOSAVE_ROW: 0.95,
    "1 published save/s": 0.8,
    "5 published saves/s": 0.5,
}
# Autosaving changes nothing readers see: the hit rate stays quiet's (within this much).
AUTOSAVE_HIT_RATE_SLACK = 0.005


def busy_desk(server: Server, url_files: dict[str, Path], args: argparse.Namespace) -> dict:
    """Load the reader pages mixed while an editor saves at each rate; return each row.

    The page cache starts warm from the runs before. Ratios are to the quiet row.
    """
    mixed = [p for k, f in url_files.items() if k in DESK_KINDS for p in f.read_text().split()]
    random.Random(5).shuffle(mixed)
    mixed_file = url_files["floor_hello"].parent / "desk.txt"
    mixed_file.write_text("\n".join(mixed) + "\n")
    # Quiet is a warm cache: every URL of the mix asked once first (bounded by --warm).
    log(f"Busy desk: warming its {len(mixed)} URLs (at most {args.warm} s)")
    mixed_file = server.warm({"desk": mixed_file}, args.warm).get("desk", mixed_file)
    rounds = []
    for number in range(1, args.desk_rounds + 1):
        log(f"  round {number} of {args.desk_rounds}")
        rows: dict[str, dict] = {}
        for name, kind, rate in DESK_SCENARIOS:
            server.drain()
            editor = start_editor(server, kind, rate, args.desk) if kind else None
            row = run_wrk(
                server.base,
                mixed_file,
                duration=args.desk,
                connections=args.connections,
                script=DESK_LUA,
            )
            if editor is not None:
                row["editor"] = finish_editor(editor, args.desk)
            rows[name] = row
            log(
                f"  {name:<22}{row['rps']:>8.0f} req/s  p99 {row['p99_ms']:.1f} ms"
                f"  hits {row.get('hit_rate', 0):.1%}  errors {row['error_count']}"
                + (f"  {_editor_summary(row['editor'])}" if "editor" in row else "")
            )
        quiet = rows["quiet"]
        for row in rows.values():
            row["rps_x_quiet"] = round(row["rps"] / quiet["rps"], 3) if quiet["rps"] else 0.0
            row["p99_x_quiet"] = (
                round(row["p99_ms"] / quiet["p99_ms"], 2) if quiet["p99_ms"] else 0.0
            )
        rounds.append(rows)
    return median_rounds(rounds)


# What an editor row adds up over the rounds (the autosaving editors' counts).
EDITOR_TOTALS = ("saves", "autosaves", "failed", "purges", "purged_keys", "articles_changed")


def median_rounds(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Return each scenario's row of the round with its median ratio to that round's quiet.

    On a shared 2-core machine reader req/s moves by ±20 % from one 20 s row to the next,
    whatever the desk does: each round measures quiet again, and the median round of
    several is the figure. ``rounds`` keeps every round's figures; an editor's counts
    (autosaves, failures, purges, articles changed) are the totals of every round.
    """
    combined = {}
    for name in rounds[0]:
        runs = [rows[name] for rows in rounds]
        row = dict(sorted(runs, key=lambda r: r["rps_x_quiet"])[len(runs) // 2])
        row["rounds"] = [
            {key: r[key] for key in ("rps", "rps_x_quiet", "p99_ms", "p99_x_quiet")} for r in runs
        ]
        if "editor" in row:
            editor = dict(row["editor"])
            for key in EDITOR_TOTALS:
                values = [r["editor"].get(key) for r in runs]
                if key in editor:
                    editor[key] = None if None in values else sum(values)
            row["editor"] = editor
        combined[name] = row
    return combined


def _editor_summary(editor: dict) -> str:
    """Return what the editor did in a row: saves, or autosaves with what they changed."""
    if "autosaves" not in editor:
        return f"saves {editor['saves']}"
    return (
        f"autosaves {editor['autosaves']} (failed {editor['failed']}, p50 {editor['p50_ms']}"
        f" ms, p99 {editor['p99_ms']} ms), purges {editor['purges']}, keys purged "
        f"{editor['purged_keys']}, articles changed {editor['articles_changed']}"
    )


# Readers of live coverage (bench/live.py), each row while the desk posts an update every
# LIVE_POST_SECONDS: the page with 500 updates, the follow endpoint as a fresh reader asks
# it, and as an open page re-asks it (If-None-Match: a 304 when nothing is new).
LIVE_POST_SECONDS = 10
LIVE_POLL_SECONDS = 15


def _bench_live(server: Server, *args: str, timeout: float) -> dict:
    result = subprocess.run(
        [PYTHON, "-m", "bench.live", *args],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    found = re.search(r"^LIVE_JSON (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not found:
        raise RuntimeError(f"bench.live failed:\n{result.stderr[-2000:]}")
    return json.loads(found[1])


def live_coverage(server: Server, work: Path, args: argparse.Namespace) -> dict:
    """Load a live article's page and its follow endpoint while an update is posted every 10 s."""
    paths = _bench_live(server, "setup", timeout=600)
    rows: dict[str, dict] = {}
    for name, path, script in (
        ("live page, 500 updates", paths["page"], DESK_LUA),
        ("poll ?after=", paths["poll"], DESK_LUA),
        ("poll, If-None-Match", paths["poll"], POLL_LUA),
    ):
        url_file = work / "live.txt"
        url_file.write_text(path + "\n")
        server.drain()
        poster = subprocess.Popen(
            [PYTHON, "-m", "bench.live", "post", str(1 / LIVE_POST_SECONDS), str(args.live)],
            cwd=ROOT, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1)
        cpu_before = server.worker_cpu_seconds()
        row = run_wrk(
            server.base, url_file, duration=args.live, connections=args.soak_connections,
            script=script,
        )  # fmt: skip
        if row["requests"]:
            cpu = server.worker_cpu_seconds() - cpu_before
            row["cpu_ms"] = round(cpu * 1000 / row["requests"], 3)
        out, err = poster.communicate(timeout=args.live + 60)
        found = re.search(r"^LIVE_JSON (\{.*\})$", out, re.MULTILINE)
        if not found:
            raise RuntimeError(f"bench.live post failed:\n{err[-2000:]}")
        row["posts"] = json.loads(found[1])["posts"]
        row["readers_at_one_poll_per_15s"] = int(row["rps"] * LIVE_POLL_SECONDS)
        rows[name] = row
        log(
            f"  {name:<24}{row['rps']:>8.0f} req/s  p50 {row['p50_ms']:.1f} ms  p99 "
            f"{row['p99_ms']:.1f} ms  cpu {row.get('cpu_ms', 0):.3f} ms  hits "
            f"{row.get('hit_rate', 0):.1%}  errors {row['error_count']}  posts {row['posts']}"
        )
    return rows


def format_live(rows: dict[str, dict], title: str) -> str:
    lines = [
        title,
        f"{'':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'cpu ms':>9}{'hits':>8}{'posts':>7}"
        f"{'readers/15 s poll':>19}",
    ]
    for name, row in rows.items():
        lines.append(
            f"{name:<24}{row['rps']:>9.0f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row.get('cpu_ms', 0):>9.3f}{row.get('hit_rate', 0):>8.1%}{row['posts']:>7}"
            f"{row['readers_at_one_poll_per_15s']:>19,}"
        )
    return "\n".join(lines)


def format_desk(rows: dict[str, dict], title: str) -> str:
    """Return the busy-desk rows as a text table (and the autosaving editors' figures)."""
    lines = [
        title,
        f"{'':<22}{'req/s':>9}{'×quiet':>8}{'p99 ms':>9}{'×quiet':>8}{'hits':>8}"
        "  ×quiet in each round",
    ]
    autosaving = {}
    for name, row in rows.items():
        each = ", ".join(f"{r['rps_x_quiet']:.2f}" for r in row.get("rounds", ()))
        lines.append(
            f"{name:<22}{row['rps']:>9.0f}{row['rps_x_quiet']:>8.2f}{row['p99_ms']:>9.1f}"
            f"{row['p99_x_quiet']:>8.2f}{row.get('hit_rate', 0):>8.1%}  {each}"
        )
        if "autosaves" in row.get("editor", {}):
            autosaving[name] = row["editor"]
    if autosaving:
        lines += [
            "",
            f"{'':<22}{'autosaves':>10}{'failed':>8}{'p50 ms':>8}{'p99 ms':>8}{'purges':>8}"
            f"{'keys purged':>13}{'articles changed':>18}",
        ]
        for name, editor in autosaving.items():
            keys = "?" if editor["purged_keys"] is None else editor["purged_keys"]
            lines.append(
                f"{name:<22}{editor['autosaves']:>10}{editor['failed']:>8}"
                f"{editor['p50_ms']:>8.1f}{editor['p99_ms']:>8.1f}{editor['purges']:>8}"
                f"{keys:>13}{editor['articles_changed']:>18}"
            )
    return "\n".join(lines)


def check_targets(result: dict, growth: dict | None) -> list[str]:
    """Return one line per target of issue 6: met, missed, or not measured."""
    lines = []
    article = result.get("probe", {}).get("article", {})
    if "queries_max" in article:
        ok = article["queries_max"] <= TARGETS["article_queries_max"]
        lines.append(f"{'met ' if ok else 'MISS'} article page queries: {article['queries_max']}")
    modes = result.get("modes", {})
    for mode, key, floor in (
        ("uncached", "rps_x_template", "uncached_article_vs_template_floor"),
        ("cached", "rps_x_hello", "cached_article_vs_hello_floor"),
    ):
        row = modes.get(mode, {}).get("article", {})
        if key in row:
            ok = row[key] >= TARGETS[floor]
            lines.append(
                f"{'met ' if ok else 'MISS'} {mode} article req/s = {row[key]:.2f}× "
                f"{key.removeprefix('rps_x_')} floor (target ≥ {TARGETS[floor]})"
            )
    if soaked := result.get("soak"):
        ok = soaked["error_count"] == 0
        lines.append(
            f"{'met ' if ok else 'MISS'} soak errors: {soaked['error_count']} "
            f"({soaked['errors']}); worker RSS {soaked['rss_mb_before']} → "
            f"{soaked['rss_mb_after']} MB"
        )
    if result.get("database") == "postgresql":
        for mode in ("latency", "uncached"):
            row = modes.get(mode, {}).get("search", {})
            if "p99_ms" in row:
                ok = row["p99_ms"] < TARGETS["pg_search_p99_ms"]
                lines.append(
                    f"{'met ' if ok else 'MISS'} PostgreSQL search p99 {row['p99_ms']} ms ({mode})"
                )
    for mode, mode_growth in (growth or {}).items():
        for kind, row in mode_growth.items():
            ok = row["p99_growth"] <= TARGETS["scale_p99_growth_max"]
            lines.append(
                f"{'met ' if ok else 'MISS'} {kind} p99 growth ×{row['p99_growth']} ({mode})"
            )
    desk = result.get("busy_desk", {})
    for name, target in DESK_TARGETS.items():
        row = desk.get(name)
        if row:
            ok = row["rps_x_quiet"] >= target
            lines.append(
                f"{'met ' if ok else 'MISS'} busy desk, {name}: reader req/s "
                f"{row['rps_x_quiet']:.2f}× quiet (target ≥ {target})"
            )
    lines += _autosave_targets(desk)
    return lines


def _autosave_targets(desk: dict[str, dict]) -> list[str]:
    """Return the autosaving editors' targets: nothing readers see changes, none fails."""
    row, quiet = desk.get(AUTOSAVE_ROW), desk.get("quiet")
    if not row or "editor" not in row:
        return []
    editor, name = row["editor"], f"busy desk, {AUTOSAVE_ROW}"
    lines = []
    if quiet and "hit_rate" in quiet and "hit_rate" in row:
        ok = row["hit_rate"] >= quiet["hit_rate"] - AUTOSAVE_HIT_RATE_SLACK
        lines.append(
            f"{'met ' if ok else 'MISS'} {name}: hit rate {row['hit_rate']:.1%}, quiet "
            f"{quiet['hit_rate']:.1%} (target: unchanged, within {AUTOSAVE_HIT_RATE_SLACK:.1%})"
        )
    purged_keys = editor["purged_keys"]
    ok = editor["purges"] == 0 and not purged_keys
    lines.append(
        f"{'met ' if ok else 'MISS'} {name}: {editor['purges']} purges, "
        f"{'?' if purged_keys is None else purged_keys} keys purged (target 0)"
    )
    ok = editor["articles_changed"] == 0
    lines.append(
        f"{'met ' if ok else 'MISS'} {name}: {editor['articles_changed']} articles changed "
        "(target 0)"
    )
    ok = editor["failed"] == 0 and editor["autosaves"] > 0
    lines.append(
        f"{'met ' if ok else 'MISS'} {name}: {editor['failed']} of "
        f"{editor['autosaves'] + editor['failed']} autosaves failed, p50 {editor['p50_ms']} ms, "
        f"p99 {editor['p99_ms']} ms (target 0 failed)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=int(os.environ.get("N") or 100_000))
    parser.add_argument("--scale", help="Comma-separated sizes, e.g. 1000,10000,100000.")
    parser.add_argument(
        "--demo", action="store_true", help="Serve the demo newsroom (seed_demo), not N articles."
    )
    parser.add_argument("--duration", type=int, default=10, help="Seconds per page kind [10].")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--soak", type=int, default=60, help="Soak seconds; 0 skips it [60].")
    parser.add_argument("--soak-connections", type=int, default=64)
    parser.add_argument(
        "--soak-saves",
        type=float,
        default=0.33,
        help="Published saves per second during the soak; 0: none [0.33].",
    )
    parser.add_argument("--warm", type=int, default=120, help="Cache warm-up seconds [120].")
    parser.add_argument(
        "--desk", type=int, default=10, help="Seconds per busy-desk row; 0 skips them [10]."
    )
    parser.add_argument(
        "--desk-rounds",
        type=int,
        default=3,
        help="Rounds of the busy-desk rows, each with its own quiet row; the median "
        "round is reported [3].",
    )
    parser.add_argument(
        "--live",
        type=int,
        default=20,
        help="Seconds per live-coverage row (page, poll, poll 304); 0 skips them [20].",
    )
    args = parser.parse_args(argv)
    ensure_wrk()
    started = time.monotonic()
    sizes = [int(n) for n in args.scale.split(",")] if args.scale else [args.articles]
    if args.demo:
        sizes = [0]
    scaled = len(sizes) > 1
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    collect_env = base_env(database_url(sizes[0], scaled), "")
    manage(collect_env, "collectstatic", "--noinput", "--verbosity", "0")
    results: dict = {"started": stamp, "workers": WORKERS, "runs": {}}
    with redis_server() as redis_url:
        results["cache"] = "redis" if redis_url else "locmem (per worker)"
        for n in sizes:
            results["runs"][str(n)] = run_once(args, n, scaled=scaled, redis_url=redis_url)
    growth = {
        mode: scale_growth({int(n): r["modes"][mode] for n, r in results["runs"].items()})
        for mode in ("latency", "uncached")
    }
    results["scale"] = growth if scaled else {}
    vendor = next(iter(results["runs"].values()))["database"]
    print()
    for n, run in results["runs"].items():
        label = size_label(int(n))
        for mode, rows in run["modes"].items():
            connections = WORKERS if mode == "latency" else args.connections
            title = (
                f"{mode.upper()} — {label} articles, {vendor}, gunicorn {WORKERS} workers, "
                f"wrk {args.duration} s × {connections} connections per row; "
                f"×tmpl/×hello = req/s ÷ floor req/s"
            )
            print(format_table(rows, run["probe"], title))
            print()
    for n, run in results["runs"].items():
        if run.get("busy_desk"):
            title = (
                f"BUSY DESK — {size_label(int(n))} articles, {vendor}, "
                f"readers over {', '.join(DESK_KINDS)} "
                f"mixed, wrk {args.desk} s × {args.connections} connections per row, "
                f"median of {args.desk_rounds} rounds"
            )
            print(format_desk(run["busy_desk"], title))
            print()
        if run.get("live"):
            title = (
                f"LIVE COVERAGE — {size_label(int(n))} articles, {vendor}, an update posted "
                f"every {LIVE_POST_SECONDS} s, wrk {args.live} s × {args.soak_connections} "
                "connections per row"
            )
            print(format_live(run["live"], title))
            print()
    if scaled:
        for mode, mode_growth in growth.items():
            print(format_scale(mode_growth, mode))
            print()
    last = results["runs"][str(sizes[-1])]
    results["targets"] = check_targets(last, growth if scaled else None)
    print("Targets (issue 6):")
    for line in results["targets"]:
        print(f"  {line}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    label = "scale" if scaled else size_label(sizes[0])
    path = RESULTS_DIR / f"{stamp}-{vendor}-{label}.json"
    results["seconds"] = round(time.monotonic() - started, 1)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten: {path.relative_to(ROOT)} ({results['seconds']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
