"""What the network's rows hold of a person (registered in core/personal_data.py):
the library's texts, and the texts of projects and applications, where a name
may be quoted (scrubbed with the member's texts: the person is a member's). The
figures are aggregates."""

from core.personal_data import Part, Texts
from reseau.models import Application, Document, Project, ProjectEvent

PART = Part(
    app="reseau",
    texts=(
        Texts(Document, "organisation_id", ("title", "description")),
        Texts(Project, "member_id", ("title", "site", "next_step", "blockers")),
        Texts(ProjectEvent, "project__member_id", ("text",)),
        Texts(
            Application, "applicant_id", ("title", "description", "expected_effects", "conditions", "refusal_reason")
        ),
    ),
)
