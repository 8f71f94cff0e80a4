from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from relais.access import WRITERS, access_for, role_required
from remontees import services
from remontees.forms import RoundTableForm
from remontees.models import Remontee
from reunions.models import Reunion


@role_required(*WRITERS)
def round_table(request, reunion):
    """During the meeting: each relais' difficulties and proposals, captured
    quickly, each tied to a residence and a theme: they become remontées."""
    reunion = Reunion.objects.get_for_user(request.user, reunion, write=request.method == "POST")
    form = RoundTableForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.remontee_create(
                organisation=access_for(request.user).organisation,
                by=request.user,
                source=Remontee.Source.REUNION,
                reunion=reunion,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "C'est noté. La remontée suivante :")
            return redirect("remontees:round_table", reunion=reunion.pk)
    raised = (
        Remontee.objects.for_user(request.user)
        .filter(reunion=reunion)
        .select_related("relais", "residence")
        .order_by("created_at")
    )
    return render(request, "remontees/round_table.html", {"reunion": reunion, "form": form, "raised": raised})
