"""Benchmark (not a test): the peak memory of a web worker cleaning the worst
photos it accepts, and what it costs to refuse the ones it does not.

    python manage.py bench_images          (or: make bench-images)

Each image is written to a temporary folder, then cleaned by `clean_photo` in a
child process of its own (Django set up as a web worker has it), which reports
its peak resident memory (VmHWM: Pillow's buffers are outside Python's heap, so
tracemalloc would not see them) and the time taken. The images are the largest
the pixel limit (MAX_IMAGE_PIXELS) lets through in each format, a 48-megapixel
phone photo, and two that must be refused: one just over the limit, and the
641 KB PNG of 13,000 × 13,000 pixels that once took a worker to 2 GB.
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image

TARGET_MB = 300

CHILD = r"""
import json, os, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from core.uploads import clean_photo

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

path = sys.argv[1]
with open(path, "rb") as f:
    upload = SimpleUploadedFile(os.path.basename(path), f.read())
before = peak_kb()
start = time.perf_counter()
try:
    clean_photo(upload)
    verdict = "acceptée"
except ValidationError as error:
    verdict = "refusée : " + " ".join(error.messages)
print(json.dumps({"verdict": verdict, "seconds": time.perf_counter() - start,
                  "baseline_kb": before, "peak_kb": peak_kb()}))
"""


def _png_1bit(width: int, height: int) -> bytes:
    """A real black-and-white PNG, small on disk however many pixels it announces."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * math.ceil(width / 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _image(size: tuple[int, int], mode: str, fmt: str, **options) -> bytes:
    # A gradient, not a flat colour: a photo's decoder does real work, and the
    # file stays under the upload limit (PHOTO_MAX_BYTES).
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient))
    if mode != "RGB":
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def cases(limit: int) -> list[tuple[str, str, bytes]]:
    """(name, what is expected, file) — the worst accepted first."""
    side = math.isqrt(limit)
    over = side + 100
    webp = math.isqrt(limit // 2)
    return [
        ("PNG RVBA à la limite", f"{side}×{side}", _image((side, side), "RGBA", "PNG", compress_level=9)),
        ("JPEG progressif à la limite", f"{side}×{side}", _image((side, side), "RGB", "JPEG", progressive=True)),
        ("JPEG à la limite, décodé en entier", f"{limit // 2500}×2500", _image((limit // 2500, 2500), "RGB", "JPEG")),
        ("WebP à la limite (la moitié)", f"{webp}×{webp}", _image((webp, webp), "RGB", "WEBP", quality=50)),
        ("GIF à la limite", f"{side}×{side}", _image((side, side), "P", "GIF")),
        ("photo de téléphone de 48 Mpx (JPEG)", "8000×6000", _image((8000, 6000), "RGB", "JPEG", quality=80)),
        ("PNG juste au-delà de la limite", f"{over}×{over}", _png_1bit(over, over)),
        ("PNG de 641 Ko, 13 000 × 13 000", "13000×13000", _png_1bit(13_000, 13_000)),
    ]


def measure(path: Path, limit: int) -> dict:
    env = {**os.environ, "MAX_IMAGE_PIXELS": str(limit)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


class Command(BaseCommand):
    help = "Peak memory of a worker cleaning the worst accepted photo (and refusing the others)."

    def add_arguments(self, parser):
        parser.add_argument("--max-pixels", type=int, default=None, help="the limit to try (default: the setting)")

    def handle(self, *args, max_pixels=None, **options):
        limit = max_pixels or settings.MAX_IMAGE_PIXELS
        number = f"{limit:,}".replace(",", "\u202f")
        self.stdout.write(f"Limite : {number} pixels (MAX_IMAGE_PIXELS) ; objectif : pic < {TARGET_MB} Mo\n")
        worst = 0.0
        with tempfile.TemporaryDirectory() as folder:
            for name, size, content in cases(limit):
                path = Path(folder) / "image"
                path.write_bytes(content)
                result = measure(path, limit)
                peak = result["peak_kb"] / 1024
                accepted = result["verdict"] == "acceptée"
                if accepted:
                    worst = max(worst, peak)
                self.stdout.write(
                    f"{name:<38} {size:>12} {len(content) / 1024:>8.0f} Ko  pic {peak:6.0f} Mo "
                    f"(dont Django {result['baseline_kb'] / 1024:.0f} Mo)  {result['seconds']:5.2f} s  "
                    f"{result['verdict'][:70]}"
                )
        verdict = "OK" if worst < TARGET_MB else "AU-DESSUS DE L'OBJECTIF"
        self.stdout.write(f"Pire image acceptée : pic {worst:.0f} Mo ({verdict}, objectif < {TARGET_MB} Mo)")
        self.worst_mb = worst
