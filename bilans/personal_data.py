"""Where a bilan may quote a person (registered in core/personal_data.py)."""

from bilans.models import Bilan
from core.personal_data import Part, Texts

PART = Part(app="bilans", texts=(Texts(Bilan, "organisation_id", ("introduction", "perspectives")),))
