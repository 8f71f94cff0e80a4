"""What the network's rows hold of a person (registered in core/personal_data.py):
the library's texts, where a name may be quoted. The figures are aggregates."""

from core.personal_data import Part, Texts
from reseau.models import Document

PART = Part(app="reseau", texts=(Texts(Document, "organisation_id", ("title", "description")),))
