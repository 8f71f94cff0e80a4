"""Static files for production: hashed names, compressed copies, served by whitenoise."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Leaves JavaScript files as they are: the only reference Django would rewrite
    in them is a source-map comment, and the vendored Leaflet names a map that is
    not shipped (it serves only a browser's developer tools). CSS references are
    still rewritten to the hashed names."""

    patterns = tuple(pattern for pattern in CompressedManifestStaticFilesStorage.patterns if pattern[0] != "*.js")
