"""Photos are bounded before they are decoded (core/uploads.py): the size the
header announces is judged against MAX_IMAGE_PIXELS before any pixel is read, a
baseline JPEG by its size at the reduced scale it is decoded at."""

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image, ImageFile

from core.uploads import clean_photo
from devtools.management.commands.bench_images import _png_1bit


def upload(content: bytes, name: str = "photo") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "image/jpeg")


def refusal(content: bytes) -> str:
    with pytest.raises(forms.ValidationError) as refused:
        clean_photo(upload(content))
    return refused.value.messages[0]


def encoded(size, fmt="JPEG", **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, fmt, **options)
    return out.getvalue()


def test_a_small_file_announcing_a_huge_image_is_refused_from_its_header(monkeypatch):
    # 13,000 × 13,000 pixels in 20 KB: it once took a web worker to 2 GB.
    bomb = _png_1bit(13_000, 13_000)
    assert len(bomb) < 100_000

    def no_decoding(image):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(forms.ValidationError) as refused:
        clean_photo(upload(bomb))
    assert refused.value.messages == [
        "Cette image est trop grande (13000\u202f×\u202f13000\u00a0pixels) : la limite est de 20\u00a0millions "
        "de pixels. Envoyez une photo prise en qualité normale ou réduisez-la."
    ]


def test_the_limit_is_a_setting_and_webp_counts_double(settings):
    settings.MAX_IMAGE_PIXELS = 1_000_000
    assert clean_photo(upload(encoded((1000, 1000), "PNG")))
    assert "la limite est de 1\u00a0million de pixels" in refusal(encoded((1001, 1000), "PNG"))
    assert clean_photo(upload(encoded((700, 700), "WEBP")))
    assert "la limite est de 0,5\u00a0million de pixels" in refusal(encoded((710, 710), "WEBP"))


def test_a_baseline_jpeg_is_judged_at_the_scale_it_is_decoded_at(settings):
    # 3,200 × 3,200 is decoded at half its size (1,600 × 1,600, 2.56 Mpx); a
    # progressive JPEG's decoder holds every coefficient: it counts in full.
    settings.MAX_IMAGE_PIXELS = 3_000_000
    kept = clean_photo(upload(encoded((3200, 3200), quality=60)))
    with Image.open(kept) as image:
        assert image.size == (1600, 1600)
    assert "(3200\u202f×\u202f3200\u00a0pixels)" in refusal(encoded((3200, 3200), quality=60, progressive=True))


def test_shrunk_before_turned_upright_the_photo_stays_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: turn 90° clockwise to show it
    out = io.BytesIO()
    Image.new("RGB", (3200, 1600), "teal").save(out, "JPEG", exif=exif)
    with Image.open(clean_photo(upload(out.getvalue()))) as image:
        assert image.size == (800, 1600)


@pytest.mark.slow
def test_the_benchmark_measures_each_worst_case_in_a_process_of_its_own():
    out = io.StringIO()
    call_command("bench_images", "--max-pixels", "400000", stdout=out)
    report = out.getvalue()
    assert "Pire image acceptée : pic" in report and "(OK," in report, report
    # The largest of each format are accepted, the two over the limit refused.
    assert report.count("acceptée") >= 6 and report.count("refusée") >= 2, report
