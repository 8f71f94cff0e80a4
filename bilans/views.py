from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bilans import selectors, services
from bilans.exports import bilan_workbook
from bilans.forms import BilanOpenForm, BilanTextsForm
from bilans.kinds import kind_of
from bilans.models import Bilan
from core.access import READERS, RELAIS_ONLY, WRITERS, access_for, role_required

# Relais may ask for a bilan's pages: the scoping answers 404, as for a bilan
# that does not exist (they are not told the page is there).
BILAN_READERS = (*READERS, *RELAIS_ONLY)


@role_required(*READERS)
def bilan_list(request):
    bilans = selectors.bilan_list(request.user)
    context = {"bilans": bilans, "form": BilanOpenForm(), "can_open": Bilan.objects.writable_by(request.user)}
    return render(request, "bilans/list.html", context)


@role_required(*WRITERS)
@require_POST
def bilan_open(request):
    # Staff limited to some quartiers do not make the bilan of the whole organisation (scope_agency).
    if not Bilan.objects.writable_by(request.user):
        raise PermissionDenied("Le bilan porte sur toute l'organisation ; votre accès est limité à certains quartiers.")
    form = BilanOpenForm(request.POST)
    if form.is_valid():
        try:
            bilan = services.bilan_open(
                organisation=access_for(request.user).organisation, year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            form.add_error("year", error)
        else:
            return redirect("bilans:detail", bilan=bilan.pk)
    bilans = selectors.bilan_list(request.user)
    return render(request, "bilans/list.html", {"bilans": bilans, "form": form, "can_open": True}, status=400)


def _readable(request, pk) -> Bilan:
    """The one door to a bilan to read: the scoping, then its kind's own readers."""
    bilan = Bilan.objects.select_related("organisation").get_for_user(request.user, pk)
    if access_for(request.user).is_partner and not kind_of(bilan).partners:
        raise Http404("Ce bilan n'existe pas ou ne vous est pas accessible.")
    return bilan


@role_required(*BILAN_READERS)
def bilan_detail(request, bilan):
    bilan = _readable(request, bilan)
    kind = kind_of(bilan)
    context = kind.context(bilan, request.user)
    if kind.workbook and request.GET.get("format") == "xlsx":
        return FileResponse(
            bilan_workbook(context),
            as_attachment=True,
            filename=bilan.filename.removesuffix(".pdf") + ".xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    context["progress"] = _progress(request, bilan)
    return render(request, kind.page_template, context)


@role_required(*WRITERS)
def bilan_texts(request, bilan):
    bilan = Bilan.objects.select_related("organisation").get_for_user(request.user, bilan, write=True)
    choices = selectors.example_choices(bilan)
    initial = {
        "introduction": bilan.introduction,
        "perspectives": bilan.perspectives,
        "examples": list(bilan.examples.values_list("pk", flat=True)),
        "period": bilan.period,
        "starts_on": bilan.starts_on,
        "ends_on": bilan.ends_on,
        "colour": bilan.colour,
    }
    kind = kind_of(bilan)
    form = BilanTextsForm(
        request.POST or None,
        request.FILES or None,
        choices=choices,
        initial=initial,
        periods_and_examples=kind.periods_and_examples,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.bilan_save_texts(
            bilan=bilan,
            introduction=data["introduction"],
            perspectives=data["perspectives"],
            examples=data.get("examples", []),
            logo=data["logo"] or None,
            period=data.get("period") or None,
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            colour=data["colour"] or None,
        )
        messages.success(request, "Les textes du bilan sont enregistrés. Générez le PDF pour qu'ils y figurent.")
        return redirect("bilans:detail", bilan=bilan.pk)
    return render(request, "bilans/texts.html", {"bilan": bilan, "form": form, "kind": kind})


@role_required(*WRITERS)
@require_POST
def bilan_generate(request, bilan):
    bilan = Bilan.objects.get_for_user(request.user, bilan, write=True)
    services.bilan_request(bilan=bilan, by=request.user)
    messages.success(request, "La génération du PDF est lancée ; cette page se met à jour quand il est prêt.")
    return redirect("bilans:detail", bilan=bilan.pk)


@role_required(*BILAN_READERS)
def bilan_state(request, bilan):
    """The generation's state, polled by the page while it is waiting."""
    bilan = _readable(request, bilan)
    return render(request, "bilans/_state.html", {"bilan": bilan, "progress": _progress(request, bilan)})


def _progress(request, bilan) -> str:
    """What the worker's preparation has done so far, while the PDF is awaited (a network's members recomputed)."""
    kind = kind_of(bilan)
    return kind.progress(bilan, request.user) if kind.progress and bilan.is_pending else ""


@role_required(*BILAN_READERS)
def bilan_file(request, bilan):
    bilan = _readable(request, bilan)
    if not bilan.file:
        raise Http404("Le PDF de ce bilan n'a pas encore été généré.")
    try:
        handle = bilan.file.open("rb")
    except OSError:
        raise Http404("Le fichier du bilan est introuvable ; générez-le à nouveau.") from None
    return FileResponse(handle, as_attachment=True, filename=bilan.filename, content_type="application/pdf")
