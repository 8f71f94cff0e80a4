"""Who on the team follows a waiting item of the inbox.

The items themselves live in their apps (a logistics request, a meeting, a
relais…); an assignment points at one of them by content type and id. A
remontée records who follows it on itself (« suivie par »): the inbox assigns
it there, so that the board and the inbox agree.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import Organisation, User
from core.scoping import ScopedQuerySet


class Assignment(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    assignee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name="confié à")
    assigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    # Read only for the items the inbox already shows (each scoped by its own app).
    scope_quartier = None
    scope_partner = False

    class Meta:
        verbose_name = "attribution"
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="assignment_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} n°{self.object_id} → {self.assignee}"
