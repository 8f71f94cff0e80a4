"""Photos sent from phones: checked, cleaned and resized before anything is
written.

A photo is accepted only if Pillow reads it as an image (the extension says
nothing), within a size limit. What is kept is a fresh JPEG of the pixels,
turned upright and at most PHOTO_MAX_SIDE wide or high: the EXIF block (which
can hold the GPS position of a tenant's home, the phone's serial number…) is not
carried over.

Memory is bounded before anything is decoded. A small file can announce a huge
image (a 641 KB PNG of 13,000 × 13,000 pixels took a web worker to 2 GB), so
the size the header announces is judged first, against MAX_IMAGE_PIXELS (a
setting): a baseline JPEG by its size once `draft()` has chosen the smallest
scale libjpeg can decode at (phones' 48-megapixel photos are decoded at a
quarter or an eighth of their pixels), a progressive JPEG and every other
format by their full size (their decoders hold it all). The image is shrunk
before any transform (thumbnail, then turned upright). `manage.py bench_images`
measures the worst accepted image's peak memory (README).
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from pathlib import Path
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"}


def clean_photo(upload) -> ContentFile:
    """A cleaned copy of an uploaded photo, or a ValidationError in French."""
    limit = settings.PHOTO_MAX_BYTES
    if upload.size == 0:
        raise forms.ValidationError("Le fichier est vide : choisissez une photo.")
    if upload.size > limit:
        raise forms.ValidationError(
            f"Cette photo pèse {filesizeformat(upload.size)} : la limite est de {filesizeformat(limit)}. "
            "Réduisez-la ou prenez-la en qualité plus basse."
        )
    try:
        upload.seek(0)
        try:
            probe = Image.open(upload)  # reads the header only
        except Image.DecompressionBombError:  # Pillow's own ceiling, far above ours
            raise forms.ValidationError(TOO_MANY_PIXELS.format(size="", limit=_limit_text())) from None
        with probe:
            kind = probe.format
            if kind not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError(kind)
            _refuse_too_many_pixels(probe)
            probe.verify()  # a truncated or forged file fails here
        upload.seek(0)
        with Image.open(upload) as image:
            # Shrunk first (a JPEG decoded at the reduced scale judged above),
            # then upright, as the phone showed it.
            decoded_pixels(image)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image = ImageOps.exif_transpose(image)
            # Transparent parts (a PNG logo) become white, not black.
            pixels = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            pixels.paste(rgba, mask=rgba.getchannel("A"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise forms.ValidationError("Ce fichier n'est pas une photo lisible (JPEG, PNG, WebP ou GIF).") from None
    out = io.BytesIO()
    # A new image from the pixels only: no EXIF, no GPS, no comments.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def decoded_pixels(image: Image.Image) -> int:
    """How many pixels decoding this opened (not yet loaded) image will hold:
    a baseline JPEG's at the reduced scale draft() picks (at least PHOTO_MAX_SIDE
    on each side, or its full size), any other image's in full."""
    if image.format in ("JPEG", "MPO") and not image.info.get("progressive"):
        image.draft(image.mode, (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    width, height = image.size
    return width * height


TOO_MANY_PIXELS = (
    "Cette image est trop grande{size} : la limite est de {limit}. "
    "Envoyez une photo prise en qualité normale ou réduisez-la."
)


# Pillow's WebP decoder holds about twice the memory per pixel of the others
# (libwebp's frame, then Pillow's copy): its limit is half (manage.py bench_images).
HUNGRY_FORMATS = {"WEBP": 2}


def pixel_limit(kind: str | None = None) -> int:
    return settings.MAX_IMAGE_PIXELS // HUNGRY_FORMATS.get(kind, 1)


def _limit_text(kind: str | None = None) -> str:
    millions = round(pixel_limit(kind) / 1_000_000, 1)
    number = f"{millions:g}".replace(".", ",")
    return f"{number}\u00a0million{'s' if millions >= 2 else ''} de pixels"


def _refuse_too_many_pixels(image: Image.Image) -> None:
    width, height = image.size  # as the file announces it, before draft()
    if decoded_pixels(image) > pixel_limit(image.format):
        size = f" ({width}\u202f×\u202f{height}\u00a0pixels)"
        raise forms.ValidationError(TOO_MANY_PIXELS.format(size=size, limit=_limit_text(image.format)))


# A photo chosen in a form that comes back with an error elsewhere (a number
# missing) is kept: its cleaned copy waits in the default storage, named by a
# signed token in the form, so the relais does not have to choose it again.
KEPT_DIR = "kept"
KEPT_SALT = "core.uploads.kept"
KEPT_MAX_AGE = 24 * 3600


def keep_photo(content) -> str:
    """Store a cleaned photo for the form's next post; its signed token."""
    _forget_old_kept()
    content.seek(0)
    path = default_storage.save(f"{KEPT_DIR}/{uuid.uuid4().hex}.jpg", ContentFile(content.read()))
    return signing.dumps(path, salt=KEPT_SALT)


def kept_photo(token: str) -> ContentFile | None:
    """The photo a token names, or None (a forged, stale or unknown token)."""
    try:
        path = signing.loads(token, salt=KEPT_SALT, max_age=KEPT_MAX_AGE)
        if not isinstance(path, str) or not path.startswith(f"{KEPT_DIR}/"):
            return None
        with default_storage.open(path, "rb") as stored:
            photo = ContentFile(stored.read(), name=f"{uuid.uuid4().hex}.jpg")
    except (signing.BadSignature, OSError, ValueError):
        return None
    photo.kept_token = token
    return photo


def _forget_old_kept() -> None:
    """Kept photos older than a day go (nobody came back to the form)."""
    limit = timezone.now() - datetime.timedelta(seconds=KEPT_MAX_AGE)
    try:
        names = default_storage.listdir(KEPT_DIR)[1]
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        path = f"{KEPT_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except (OSError, NotImplementedError):
            continue


class PhotoInput(forms.ClearableFileInput):
    """A file input that says which photo is kept from the post before."""

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload is None and data.get(f"{name}_kept"):
            return kept_photo(str(data[f"{name}_kept"])[:500])
        return upload

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        token = getattr(value, "kept_token", None)
        if token is None and getattr(value, "cleaned_photo", None) is not None:
            token = keep_photo(value.cleaned_photo)
        if token is None:
            return html
        return format_html(
            '{}<input type="hidden" name="{}_kept" value="{}"><p class="kept">'
            "Votre photo est gardée ; choisissez-en une autre seulement pour la remplacer.</p>",
            html,
            name,
            token,
        )


class PhotoField(forms.FileField):
    """A file field that only lets a cleaned photo through (and keeps it when
    the form comes back with an error)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhotoInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("help_text", "Une photo (JPEG, PNG, WebP), 10 Mo au plus. Sa position GPS n'est pas gardée.")
        super().__init__(**kwargs)

    def bound_data(self, data, initial):
        # Django shows a file input empty again; this one says the photo is kept.
        if getattr(data, "cleaned_photo", None) is not None or getattr(data, "kept_token", None):
            return data
        return super().bound_data(data, initial)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if getattr(upload, "kept_token", None):
            return upload  # cleaned before it was kept
        if upload and upload is not initial:
            cleaned = clean_photo(upload)
            upload.cleaned_photo = cleaned  # kept if the form is shown again
            return cleaned
        return upload


PDF_MAGIC = b"%PDF-"


class Attachment(NamedTuple):
    file: ContentFile
    content_type: str
    name: str  # as shown to the reader: the sender's file name, its extension made true


def _shown_name(raw: str, extension: str) -> str:
    stem = Path(raw or "").stem.strip()[:80] or "piece-jointe"
    return f"{stem}{extension}"


def _refuse_size(upload, limit: int) -> None:
    if upload.size == 0:
        raise forms.ValidationError("Le fichier est vide.")
    if upload.size > limit:
        raise forms.ValidationError(
            f"Ce fichier pèse {filesizeformat(upload.size)} : la limite est de {filesizeformat(limit)}."
        )


def clean_attachment(upload) -> Attachment:
    """A file to send with a message: a PDF kept as it is (checked by its first
    bytes, not its name), or a photo cleaned by `clean_photo`; or a
    ValidationError in French."""
    _refuse_size(upload, settings.PHOTO_MAX_BYTES)
    upload.seek(0)
    if upload.read(len(PDF_MAGIC)) == PDF_MAGIC:
        upload.seek(0)
        content = ContentFile(upload.read(), name=f"{uuid.uuid4().hex}.pdf")
        return Attachment(content, "application/pdf", _shown_name(upload.name, ".pdf"))
    try:
        return Attachment(clean_photo(upload), "image/jpeg", _shown_name(upload.name, ".jpg"))
    except forms.ValidationError:
        raise forms.ValidationError("Une pièce jointe doit être un PDF ou une photo (JPEG, PNG, WebP).") from None


class AttachmentField(forms.FileField):
    """A file field that lets through a PDF or a cleaned photo, as an Attachment."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Un PDF ou une photo, 10 Mo au plus.")
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial:
            return clean_attachment(upload)
        return upload


# Documents of a library (reseau/): judged by their content, never their name.
OOXML_PARTS = {"word/": ".docx", "xl/": ".xlsx", "ppt/": ".pptx"}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    **{ext: mime for mime, ext in ODF_TYPES.items()},
}
DOCUMENT_REFUSED = (
    "Ce fichier n'est pas accepté : un document doit être un PDF, un document bureautique "
    "(Word, Excel, PowerPoint ou LibreOffice, sans macros) ou une image."
)


def _office_extension(upload) -> str | None:
    """The extension an office document (a zip) really has, or None: OOXML by its
    parts, OpenDocument by its `mimetype` entry; one with macros is refused."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if len(names) > 5000:
                return None
            lowered = [n.lower() for n in names]
            if any(n.endswith(("vbaproject.bin", ".exe", ".dll", ".bat", ".cmd", ".js", ".vbs")) for n in lowered):
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                return ODF_TYPES.get(archive.read("mimetype").decode("ascii", "replace").strip())
            if "[Content_Types].xml" in names:
                for prefix, extension in OOXML_PARTS.items():
                    if any(n.startswith(prefix) for n in names):
                        return extension
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def clean_document(upload) -> Attachment:
    """A library's document: a PDF or an office document kept as it is (checked
    by its bytes, not its name), or an image cleaned by `clean_photo`; a
    ValidationError in French for anything else (an executable renamed .pdf, a
    document with macros, a file over DOCUMENT_MAX_BYTES). Nothing is written."""
    _refuse_size(upload, settings.DOCUMENT_MAX_BYTES)
    upload.seek(0)
    head = upload.read(8)
    extension = None
    if head.startswith(PDF_MAGIC):
        extension = ".pdf"
    elif head.startswith(b"PK\x03\x04"):
        extension = _office_extension(upload)
    if extension:
        upload.seek(0)
        content = ContentFile(upload.read(), name=f"{uuid.uuid4().hex}{extension}")
        return Attachment(content, DOCUMENT_TYPES[extension], _shown_name(upload.name, extension))
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xd0\xcf\x11\xe0")):
        raise forms.ValidationError(DOCUMENT_REFUSED)
    upload.seek(0)
    try:
        return Attachment(clean_photo(upload), "image/jpeg", _shown_name(upload.name, ".jpg"))
    except forms.ValidationError:
        raise forms.ValidationError(DOCUMENT_REFUSED) from None


class DocumentField(forms.FileField):
    """A file field for a library's document, as an Attachment."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "Un PDF, un document Word, Excel, PowerPoint ou LibreOffice, ou une image ; 20 Mo au plus."
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial:
            return clean_document(upload)
        return upload
