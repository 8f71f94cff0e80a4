"""Pages of the platform itself (the front door, the organisation switch) and
the view helpers every app uses: pagination, the generic form page, label lists."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from core import outbox, selectors, services
from core.access import READERS, SESSION_KEY, WRITERS, access_for, role_required
from core.forms import LabelForm, is_id
from core.models import Message

PAGE_SIZE = 25


def pdf_response(content: bytes, name: str) -> HttpResponse:
    """A printable made in the request, shown in the browser under its file name."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def paginate(request, queryset, *, count: int | None = None):
    """A page of 25 rows; `count`: the number of rows when the view already
    knows it, which spares the COUNT query."""
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def form_page(request, form, *, title: str, back: str, intro: str = ""):
    """The one generic form page: a title, an optional explanation, the form, a way back."""
    return render(request, "core/form.html", {"form": form, "title": title, "back": back, "intro": intro})


def labels_page(request, *, model, used_by: str, title: str, intro: str, count_label: str):
    """An organisation's editable list of labels (remontée themes, initiative kinds):
    add one, or stop proposing one — a withdrawn label stays on the rows that use it."""
    form = LabelForm(request.POST or None)
    if request.method == "POST":
        toggle = request.POST.get("toggle", "")
        if is_id(toggle):
            label = model.objects.for_user(request.user, write=True).filter(pk=toggle).first()
            if label is not None:
                label = services.label_toggle(label=label)
                messages.success(request, f"« {label} » est {'proposé' if label.is_active else 'retiré de la liste'}.")
            return redirect(request.path)
        if form.is_valid():
            try:
                label = services.label_create(
                    model=model, organisation=access_for(request.user).organisation, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"« {label.name} » est ajouté.")
                return redirect(request.path)
    rows = selectors.labels(request.user, model=model, used_by=used_by)
    context = {"form": form, "rows": rows, "title": title, "intro": intro, "count_label": count_label}
    return render(request, "core/labels.html", context)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the app's icon."""
    return redirect(static("icons/icon-192.png"), permanent=True)


def home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    access = access_for(request.user)
    if access.is_relais:
        return redirect("espace:home")
    if access.is_staff:
        return redirect("inbox:inbox")  # the first thing staff see: what waits for them
    if access.role in READERS:
        return redirect("engagement:dashboard")
    return render(request, "core/no_access.html", status=403)


@require_POST
def switch_organisation(request):
    if not request.user.is_authenticated:
        raise PermissionDenied
    wanted = request.POST.get("organisation", "")
    if any(str(org.pk) == wanted for org in access_for(request.user).organisations):
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home")


@role_required(*WRITERS)
@require_POST
def message_resend(request, message):
    """Staff resend a message whose hand-off was interrupted (« envoi incertain »),
    then go back to the page they came from (the meeting's)."""
    message = Message.objects.get_for_user(request.user, message, write=True)
    back = request.POST.get("next", "")  # the body is read (and refused if malformed) before anything is written
    try:
        outbox.message_resend(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Le message à {message.address} est renvoyé.")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect("home")
