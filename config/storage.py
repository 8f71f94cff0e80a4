"""Static files for production: hashed names, compressed copies, served by whitenoise."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Leaves JavaScript files as they are: the only reference Django would rewrite
    in them is a source-map comment, and the vendored Leaflet names a map that is
    not shipped (it serves only a browser's developer tools). CSS references are
    still rewritten to the hashed names."""

    patterns = tuple(pattern for pattern in CompressedManifestStaticFilesStorage.patterns if pattern[0] != "*.js")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        # Every page names the same few files, and their hashed names do not
        # change while the process runs: look each one up once (make bench).
        if force or settings.DEBUG:
            return super().url(name, force)
        if name not in self._urls:
            self._urls[name] = super().url(name)
        return self._urls[name]
