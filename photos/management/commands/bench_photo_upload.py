"""Measure the photo pipeline on a 24-megapixel JPEG: validate, make safe, build renditions.

Everything happens in memory: the JPEG is generated here, renditions go to an
InMemoryStorage, no database row or media file is touched.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from PIL import ExifTags, Image, ImageChops, ImageDraw

from photos import images

MB = 1024 * 1024


def max_rss_bytes() -> int:
    """Return the process's peak resident memory so far (ru_maxrss: kB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def camera_exif(orientation: int) -> Image.Exif:
    """Return EXIF as a phone writes it: make, model, time and the GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Newsroom"
    exif[ExifTags.Base.Model] = "Bench Camera"
    exif[ExifTags.Base.DateTime] = "2024:12:23 16:54:00"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 27.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (30.0, 31.0, 27.2)
    return exif


def make_photo(width: int, height: int, quality: int, orientation: int) -> bytes:
    """Return a JPEG with photo-like content: gradients, shapes and sensor-like noise."""
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = horizontal.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    radial = Image.radial_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (horizontal, vertical, radial))
    draw = ImageDraw.Draw(picture)
    step = max(1, min(width, height) // 12)
    for i in range(12):
        x, y = (i * 7919) % width, (i * 104729) % height
        draw.ellipse((x, y, x + step * 2, y + step), fill=(40 * i % 256, 90, 200 - 10 * i))
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    picture = ImageChops.add(picture, grain, offset=-128)  # grain centred on zero
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality, exif=camera_exif(orientation))
    return out.getvalue()


# The inputs of the measured steps, set before the worker processes are forked.
_INPUTS: dict[str, bytes] = {}


def _validate() -> str:
    images.validate_image_file(SimpleUploadedFile("bench.jpg", _INPUTS["upload"]))
    return "valid"


def _safe_original() -> str:
    content, _ = images.prepare_upload(SimpleUploadedFile("bench.jpg", _INPUTS["upload"]))
    return f"{content.size / MB:.1f} MB"


def _renditions() -> str:
    storage = InMemoryStorage(location="bench", base_url="/bench/")
    rendered = images.render_renditions(_INPUTS["original"], (0.5, 0.5))
    for item in rendered.items:
        images.save_file(storage, f"renditions/bench/{item.key}", item.data)
    size = sum(len(item.data) for item in rendered.items) / MB
    return f"{len(rendered.items)} files, {size:.1f} MB"


STEPS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("validate", _validate),
    ("safe original", _safe_original),
    ("renditions", _renditions),
)


@dataclass
class Measure:
    seconds: float
    heap_peak: int
    rss_rise: int
    outcome: str


def measure(action: Callable[[], str]) -> Measure:
    """Run ``action`` once: its time, Python heap peak (tracemalloc) and rise of ru_maxrss."""
    gc.collect()
    tracemalloc.start()
    rss_before = max_rss_bytes()
    started = time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Measure(seconds, heap_peak, max_rss_bytes() - rss_before, outcome)


def measure_step(index: int) -> Measure:
    return measure(STEPS[index][1])


def safe_original(data: bytes) -> bytes:
    return images.prepare_upload(SimpleUploadedFile("in.jpg", data))[0].read()


def in_fresh_process(function: Callable, *args, fork: bool = True):
    """Return ``function(*args)`` run in a process forked for it, when the system can fork.

    On Linux a forked process starts its ru_maxrss from its own resident memory, so a
    step's peak is its own; and what a step frees cannot be reused by the next one.
    """
    if not fork or "fork" not in multiprocessing.get_all_start_methods():
        return function(*args)
    with multiprocessing.get_context("fork").Pool(processes=1, maxtasksperchild=1) as pool:
        return pool.apply(function, args)


class Command(BaseCommand):
    help = (
        "Benchmark a 24-megapixel JPEG upload: time and peak memory to validate it, make "
        "the safe original (upright, metadata stripped) and build all its renditions. "
        "Works in memory only (InMemoryStorage); no database row or media file is touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--width", type=int, default=6000)
        parser.add_argument("--height", type=int, default=4000)
        parser.add_argument("--quality", type=int, default=92, help="JPEG quality of the input.")
        parser.add_argument(
            "--orientation",
            type=int,
            default=1,
            choices=range(1, 9),
            help="EXIF orientation of the input (6: taken with the phone upright).",
        )
        parser.add_argument(
            "--no-fork",
            action="store_true",
            help="Measure in this process: each memory figure then only shows the rise "
            "above all earlier peaks.",
        )

    def handle(
        self, *args, width: int, height: int, quality: int, orientation: int, **options
    ) -> None:
        fork = not options["no_fork"]
        started = time.perf_counter()
        # Made in their own processes too, so that this one stays small for the forks.
        data = in_fresh_process(make_photo, width, height, quality, orientation, fork=fork)
        _INPUTS["upload"] = data
        _INPUTS["original"] = in_fresh_process(safe_original, data, fork=fork)
        prepared_in = time.perf_counter() - started
        self.stdout.write(
            f"Input: {width * height / 1e6:.1f}-megapixel JPEG ({width} × {height}), "
            f"{len(data) / MB:.1f} MB, EXIF with GPS, orientation {orientation} "
            f"(generated in {prepared_in:.1f} s, not counted). "
            + ("Each step runs in its own forked process.\n" if fork else "\n")
        )
        header = f"{'step':<14} {'time':>8} {'Python heap peak':>17} {'ru_maxrss rise':>15}  result"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        results = []
        for index, (name, _) in enumerate(STEPS):
            result = in_fresh_process(measure_step, index, fork=fork)
            results.append(result)
            self.stdout.write(
                f"{name:<14} {result.seconds:>6.2f} s {result.heap_peak / MB:>14.1f} MB"
                f" {result.rss_rise / MB:>12.0f} MB  {result.outcome}"
            )
        self.stdout.write("-" * len(header))
        self.stdout.write(
            f"{'upload total':<14} {sum(r.seconds for r in results):>6.2f} s "
            f"{max(r.heap_peak for r in results) / MB:>14.1f} MB"
            f" {max(r.rss_rise for r in results) / MB:>12.0f} MB  (time: sum; memory: max)"
        )
        self.stdout.write(
            "\nPython heap peak (tracemalloc) counts Python objects only, such as file bytes; "
            "Pillow's pixel buffers are C memory and show in the ru_maxrss column (the rise of "
            "the process's peak resident memory during the step)."
        )
