"""What the PDFs (WeasyPrint) share: the organisation's logo inlined."""

from __future__ import annotations

import base64
import logging

logger = logging.getLogger(__name__)


def logo_data_uri(organisation) -> str:
    """The organisation's logo as a data: URI, so that WeasyPrint fetches nothing
    (the storage may be remote); "" without a logo, or when it cannot be read."""
    if not organisation.logo:
        return ""
    try:
        with organisation.logo.open("rb") as f:
            return "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()
    except OSError:
        logger.warning("Logo of %s unreadable", organisation.slug)
        return ""
