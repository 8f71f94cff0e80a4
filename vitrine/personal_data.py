"""The public app's part of the personal-data registry (core/personal_data.py).
The names neighbours give when saying they will come to an event are the
initiatives app's (initiatives/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part

PART = Part(app="public", position=90)
