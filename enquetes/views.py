"""The surveys' pages: the staff's builder, sending, paper entry, printables
and results; the respondent's page (no login: the door is the questionnaire's
key or the personal link's signature, inside each view)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import antispam
from core.access import WRITERS, access_for, role_required
from core.exports import Column, export_response, wanted
from core.views import pdf_response
from enquetes import links, pdf, selectors, services
from enquetes.forms import AnswerForm, QuestionForm, QuestionnaireForm, SectionForm, SendForm, field_name
from enquetes.models import Question, Questionnaire, Response
from relais.models import Residence
from reunions.models import Reunion

# The open link's antispam: a form sent under 3 s is a robot's; 30 answers an
# hour from one address (a residence's tenants may share a box).
SALT = "enquetes.open"
MIN_SECONDS = 3
MAX_SECONDS = 86400
PER_IP = (30, 3600)
REFUSALS = {
    antispam.INVALID: "Ce formulaire n'est pas valable. Rechargez la page et répondez à nouveau.",
    antispam.TOO_FAST: "Le questionnaire a été envoyé trop vite. Relisez-le et envoyez-le à nouveau.",
    antispam.TOO_OLD: "Ce formulaire a expiré. Rechargez la page et répondez à nouveau.",
    antispam.REPLAYED: "Ce questionnaire a déjà été envoyé depuis cette page. Merci\u00a0!",
}
TOO_MANY = "Trop de réponses ont été envoyées d'ici. Réessayez dans une heure."
HONEYPOT = "Ce questionnaire n'a pas pu être enregistré."
DEVICE = "Vous avez déjà répondu à ce questionnaire depuis cet appareil. Merci\u00a0!"
FORGED = "Ce lien n'est pas valable : il a peut-être été mal copié. Reprenez-le dans le message reçu."
COOKIE_SALT = "enquetes.device"


def _cookie(questionnaire: Questionnaire) -> str:
    return f"enquete-{questionnaire.key}"


# Staff: the list and the builder.


def _form_choices(user):
    residences = Residence.objects.for_user(user).order_by("name")
    reunions = Reunion.objects.for_user(user).exclude(status=Reunion.Status.ANNULEE).order_by("-starts_at")[:200]
    return residences, Reunion.objects.filter(pk__in=[r.pk for r in reunions]).order_by("-starts_at")


@role_required(*WRITERS)
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_list(request):
    residences, reunions = _form_choices(request.user)
    today = timezone.localdate()
    initial = {"opens_on": today, "closes_on": today + datetime.timedelta(days=30), "anonymous": True}
    form = QuestionnaireForm(
        request.POST or None, initial=initial, residences=residences, reunions=reunions, creating=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            questionnaire = services.questionnaire_create(
                organisation=access_for(request.user).organisation,
                by=request.user,
                title=data["title"],
                intro=data["intro"],
                anonymous=data["anonymous"],
                audience=data["audience"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                template=data["template"],
                residences=data["residences"],
                reunion=data["reunion"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le questionnaire est créé. Ajoutez ou modifiez ses questions.")
            return redirect("enquetes:detail", questionnaire=questionnaire.pk)
    context = {"questionnaires": selectors.questionnaire_list(request.user), "form": form, "today": today}
    return render(request, "enquetes/list.html", context, status=400 if form.errors else 200)


def _questionnaire(request, pk, *, write=False) -> Questionnaire:
    return Questionnaire.objects.select_related("organisation", "reunion").get_for_user(request.user, pk, write=write)


def _question_form(questionnaire, data=None, *, question=None, initial=None):
    sections = questionnaire.sections.all()
    earlier = Question.objects.filter(
        questionnaire=questionnaire, kind__in=(Question.Kind.SCALE, Question.Kind.SINGLE, Question.Kind.MULTIPLE)
    )
    if question is not None:
        earlier = earlier.filter(position__lt=question.position)
    return QuestionForm(data, sections=sections, earlier=earlier.order_by("position"), initial=initial)


@role_required(*WRITERS)
@require_safe
def questionnaire_detail(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire)
    context = {
        "questionnaire": questionnaire,
        **selectors.builder(questionnaire),
        "section_form": SectionForm(),
        "question_form": _question_form(questionnaire),
        "open_links": [(r, links.open_url(questionnaire, r.pk)) for r in questionnaire.residences.order_by("name")]
        if questionnaire.audience == Questionnaire.Audience.LOCATAIRES
        else [],
        "is_open": questionnaire.is_open(),
    }
    return render(request, "enquetes/detail.html", context)


@role_required(*WRITERS)
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_edit(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    residences, reunions = _form_choices(request.user)
    form = QuestionnaireForm(
        request.POST or None,
        instance=questionnaire,
        initial={"residences": list(questionnaire.residences.all())},
        residences=residences,
        reunions=reunions,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.questionnaire_update(
                questionnaire=questionnaire,
                residences=data["residences"],
                **{k: data[k] for k in ("title", "intro", "anonymous", "audience", "reunion", "opens_on", "closes_on")},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le questionnaire est enregistré.")
            return redirect("enquetes:detail", questionnaire=questionnaire.pk)
    questionnaire.refresh_from_db()
    return render(request, "enquetes/edit.html", {"questionnaire": questionnaire, "form": form})


@role_required(*WRITERS)
@require_POST
def section_add(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            services.section_add(questionnaire=questionnaire, title=form.cleaned_data["title"])
            messages.success(request, "La section est ajoutée.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Donnez un titre à la section.")
    return redirect("enquetes:detail", questionnaire=questionnaire.pk)


def _save_question(request, questionnaire, question=None):
    form = _question_form(questionnaire, request.POST, question=question)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.question_save(
                questionnaire=questionnaire,
                question=question,
                section=data["section"],
                kind=data["kind"],
                text=data["text"],
                help=data["help"],
                required=data["required"],
                scale=data["scale"],
                label_min=data["label_min"],
                label_max=data["label_max"],
                options=data["options_list"],
                show_if=data["show_if"],
                show_if_values=data["values_list"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return None
    return form


@role_required(*WRITERS)
@require_POST
def question_add(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    form = _save_question(request, questionnaire)
    if form is None:
        messages.success(request, "La question est ajoutée.")
        return redirect(reverse("enquetes:detail", kwargs={"questionnaire": questionnaire.pk}) + "#questions")
    context = {"questionnaire": questionnaire, "form": form, "title": "Nouvelle question"}
    return render(request, "enquetes/question.html", context, status=400)


@role_required(*WRITERS)
@require_http_methods(["GET", "HEAD", "POST"])
def question_edit(request, questionnaire, question):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    question = (
        Question.objects.for_user(request.user).filter(questionnaire=questionnaire).get_for_user(request.user, question)
    )
    if request.method == "POST":
        form = _save_question(request, questionnaire, question)
        if form is None:
            messages.success(request, "La question est enregistrée.")
            return redirect("enquetes:detail", questionnaire=questionnaire.pk)
    else:
        scale = next((k for k, v in Question.SCALES.items() if v == (question.scale_min, question.scale_max)), "")
        condition = question.show_if
        values = ""
        if condition is not None:
            values = " ; ".join(condition.value_label(v) for v in question.show_if_values)
        form = _question_form(
            questionnaire,
            question=question,
            initial={
                "section": question.section_id,
                "kind": question.kind,
                "text": question.text,
                "help": question.help,
                "required": question.required,
                "scale": scale,
                "label_min": question.label_min,
                "label_max": question.label_max,
                "options": "\n".join(question.options),
                "show_if": question.show_if_id,
                "show_if_values": values,
            },
        )
    context = {"questionnaire": questionnaire, "form": form, "question": question, "title": "Modifier la question"}
    return render(request, "enquetes/question.html", context, status=400 if form.errors else 200)


@role_required(*WRITERS)
@require_POST
def question_delete(request, questionnaire, question):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    question = Question.objects.filter(questionnaire=questionnaire).get_for_user(request.user, question, write=True)
    try:
        services.question_delete(question=question)
        messages.success(request, "La question est supprimée.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("enquetes:detail", questionnaire=questionnaire.pk)


@role_required(*WRITERS)
@require_safe
def preview(request, questionnaire):
    """The respondent's page as a phone shows it (nothing can be sent from it)."""
    questionnaire = _questionnaire(request, questionnaire)
    form = AnswerForm(questions=selectors.questions(questionnaire))
    return render(request, "enquetes/preview.html", {"questionnaire": questionnaire, "form": form, "preview": True})


# Staff: sending, reminders, paper.


@role_required(*WRITERS)
@require_http_methods(["GET", "HEAD", "POST"])
def send(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    quartiers, residences = selectors.send_choices(request.user)
    form = SendForm(request.POST or None, quartiers=quartiers, residences=residences)
    if questionnaire.audience != Questionnaire.Audience.RELAIS:
        messages.error(request, "Ce questionnaire ne s'envoie pas aux relais : voyez son public.")
        return redirect("enquetes:detail", questionnaire=questionnaire.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        relais = selectors.relais_for(
            request.user, who=data["who"], quartier=data["quartier"], residence=data["residence"]
        )
        try:
            sent = services.invitations_send(questionnaire=questionnaire, relais=relais, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            note = f"Liens envoyés : {sent.links}."
            if sent.paper:
                names = ", ".join(f"{r.first_name} {r.last_name}" for r in sent.paper[:20])
                note += f" Sur papier (pas de canal consenti) : {names}. Imprimez le questionnaire pour eux."
            messages.success(request, note)
            return redirect("enquetes:detail", questionnaire=questionnaire.pk)
    return render(request, "enquetes/send.html", {"questionnaire": questionnaire, "form": form})


@role_required(*WRITERS)
@require_POST
def remind(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire, write=True)
    try:
        count = services.reminders_send(questionnaire=questionnaire, by=request.user)
        messages.success(request, f"Relance envoyée à {count} relais qui n'avaient pas répondu.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("enquetes:detail", questionnaire=questionnaire.pk)


def _paper_residences(request, questionnaire):
    chosen = questionnaire.residences.all()
    return chosen if chosen.exists() else Residence.objects.for_user(request.user).order_by("name")


@role_required(*WRITERS)
@require_http_methods(["GET", "HEAD", "POST"])
def paper(request, questionnaire):
    """Typing in the paper answers, one after the other: each saved, a blank form again."""
    questionnaire = _questionnaire(request, questionnaire, write=True)
    asked = selectors.questions(questionnaire)
    residences = _paper_residences(request, questionnaire)
    form = AnswerForm(request.POST or None, questions=asked, residences=residences)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.response_submit(
                    questionnaire=questionnaire,
                    answers=form.answers(),
                    channel=Response.Channel.PAPIER,
                    residence=form.cleaned_data.get("residence"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Réponse papier enregistrée. Vous pouvez saisir la suivante.")
                return redirect("enquetes:paper", questionnaire=questionnaire.pk)
        status = 400
    count = Response.objects.filter(questionnaire=questionnaire, channel=Response.Channel.PAPIER).count()
    return render(
        request, "enquetes/paper.html", {"questionnaire": questionnaire, "form": form, "count": count}, status=status
    )


@role_required(*WRITERS)
@require_safe
def paper_pdf(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire)
    content = pdf.paper_pdf(questionnaire=questionnaire, sections=selectors.sections_with_questions(questionnaire))
    return pdf_response(content, f"questionnaire-{questionnaire.pk}.pdf")


@role_required(*WRITERS)
@require_safe
def poster(request, questionnaire, residence):
    questionnaire = _questionnaire(request, questionnaire)
    residence = Residence.objects.get_for_user(request.user, residence)
    link = links.open_url(questionnaire, residence.pk)
    content = pdf.poster_pdf(questionnaire=questionnaire, residence=residence, link=link)
    return pdf_response(content, f"affiche-questionnaire-{questionnaire.pk}-{residence.pk}.pdf")


# Staff: results.


@role_required(*WRITERS)
@require_safe
def results(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire)
    context = selectors.results(questionnaire, dimension=request.GET.get("par", "residence"))
    fmt = wanted(request)
    if fmt:
        return export_response(
            request,
            name=f"Résultats {questionnaire.title}",
            model="questionnaire",
            columns=EXPORT_COLUMNS,
            rows=_export_rows(context),
            fmt=fmt,
        )
    return render(request, "enquetes/results.html", context)


@role_required(*WRITERS)
@require_safe
def results_file(request, questionnaire):
    questionnaire = _questionnaire(request, questionnaire)
    context = selectors.results(questionnaire, dimension=request.GET.get("par", "residence"))
    return pdf_response(pdf.results_pdf(context), f"resultats-questionnaire-{questionnaire.pk}.pdf")


EXPORT_COLUMNS = [
    Column("Question", lambda r: r[0]),
    Column("Groupe", lambda r: r[1]),
    Column("Réponse", lambda r: r[2]),
    Column("Nombre", lambda r: r[3], "number"),
    Column("Part (%)", lambda r: r[4], "number"),
]


def _export_rows(context: dict):
    """The results as shown (groups under the threshold merged or left out): one line per answer and group."""
    if not context["shown"]:
        return
    for result in context["questions"]:
        question = result.question
        if not result.shown:
            continue
        for label, n, share, _ in result.rows:
            yield (question.text, "Ensemble", label, n, share)
        if question.kind == Question.Kind.NUMBER:
            yield (question.text, "Ensemble", "moyenne", result.mean, None)
        lines, _ = result.by_group or ([], 0)
        for group, n, detail in lines:
            if question.is_choice:
                for option, share in zip(question.options, detail, strict=True):
                    yield (question.text, group, option, None, share)
            else:
                yield (question.text, group, "moyenne", detail, None)
            yield (question.text, group, "répondants", n, None)
        for text in result.texts:
            yield (question.text, "Ensemble", text, None, None)


# The respondent's pages (no login).


def _closed_page(request, questionnaire, message: str, status: int = 200):
    context = {"questionnaire": questionnaire, "message": message, "organisation": questionnaire.organisation}
    return render(request, "enquetes/closed.html", context, status=status)


def _state_refusal(questionnaire: Questionnaire) -> str:
    today = timezone.localdate()
    if today > questionnaire.closes_on:
        return services.CLOSED
    if today < questionnaire.opens_on:
        return services.NOT_YET.format(date=f"{questionnaire.opens_on:%d/%m/%Y}")
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
def answer_open(request, enquete_key):
    """The tenants' open link (the poster's QR code): anonymous, one answer
    per device (a cookie the form sets), rate-limited per address."""
    questionnaire = selectors.open_questionnaire(enquete_key)
    if questionnaire is None or questionnaire.audience != Questionnaire.Audience.LOCATAIRES:
        return render(request, "enquetes/closed.html", {"message": FORGED}, status=404)
    refusal = _state_refusal(questionnaire)
    if refusal:
        return _closed_page(request, questionnaire, refusal)
    if request.get_signed_cookie(_cookie(questionnaire), default=None, salt=COOKIE_SALT):
        return _closed_page(request, questionnaire, DEVICE)
    residences = questionnaire.residences.order_by("name")
    chosen = residences.filter(pk=request.GET["r"]).first() if request.GET.get("r", "").isdigit() else None
    if chosen is None and len(residences) == 1:
        chosen = residences.first()
    asked = selectors.questions(questionnaire)
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, questions=asked, residences=None if chosen else residences, open_link=True)
        valid = form.is_valid()
        refusal = ""
        if not antispam.hit(f"enquetes:rate:ip:{antispam.client_key(request)}", *PER_IP):
            refusal, status = TOO_MANY, 429
        elif valid and form.cleaned_data["website"]:
            refusal = HONEYPOT
        elif valid:
            code, nonce = antispam.check_token(
                form.cleaned_data["token"],
                questionnaire.pk,
                salt=SALT,
                min_seconds=MIN_SECONDS,
                max_seconds=MAX_SECONDS,
            )
            refusal = REFUSALS.get(code, "") if code else ""
            if not refusal and not antispam.spend(SALT, nonce, MAX_SECONDS):
                refusal = REFUSALS[antispam.REPLAYED]
        if valid and not refusal:
            try:
                services.response_submit(
                    questionnaire=questionnaire,
                    answers=form.answers(),
                    channel=Response.Channel.QR,
                    residence=chosen or form.cleaned_data.get("residence"),
                )
            except ValidationError as error:
                return _closed_page(request, questionnaire, " ".join(error.messages))
            response = redirect("enquetes:thanks", enquete_key=questionnaire.key)
            age = max(86400, (questionnaire.closes_on - timezone.localdate()).days * 86400 + 86400)
            response.set_signed_cookie(
                _cookie(questionnaire),
                "1",
                salt=COOKIE_SALT,
                max_age=age,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
        if refusal:
            form.add_error(None, refusal)
        status = status if status != 200 else 400
        form.data = form.data.copy()
        form.data["token"] = antispam.issue(SALT, questionnaire.pk)
    else:
        form = AnswerForm(
            initial={"token": antispam.issue(SALT, questionnaire.pk)},
            questions=asked,
            residences=None if chosen else residences,
            open_link=True,
        )
    context = {
        "questionnaire": questionnaire,
        "form": form,
        "residence": chosen,
        "organisation": questionnaire.organisation,
    }
    return render(request, "enquetes/answer.html", context, status=status)


@require_safe
def thanks(request, enquete_key):
    questionnaire = selectors.open_questionnaire(enquete_key)
    if questionnaire is None:
        return render(request, "enquetes/closed.html", {"message": FORGED}, status=404)
    return render(
        request, "enquetes/thanks.html", {"questionnaire": questionnaire, "organisation": questionnaire.organisation}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def answer_link(request, enquete_code):
    """A relais' personal link: one answer; in a named questionnaire, changed
    until the close date with the same link."""
    pk = links.invitation_id(enquete_code)
    invitation = selectors.invitation_for(pk) if pk else None
    if invitation is None:
        return render(request, "enquetes/closed.html", {"message": FORGED}, status=404)
    questionnaire = invitation.questionnaire
    refusal = _state_refusal(questionnaire)
    if refusal:
        return _closed_page(request, questionnaire, refusal)
    if request.GET.get("merci"):
        return render(
            request,
            "enquetes/thanks.html",
            {"questionnaire": questionnaire, "organisation": questionnaire.organisation, "link": request.path},
        )
    if questionnaire.anonymous and invitation.used:
        return _closed_page(request, questionnaire, services.USED_ANONYMOUS)
    asked = selectors.questions(questionnaire)
    previous = None if questionnaire.anonymous else Response.objects.filter(invitation=invitation).first()
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, questions=asked)
        if form.is_valid():
            try:
                services.response_submit(
                    questionnaire=questionnaire,
                    answers=form.answers(),
                    channel=Response.Channel.LIEN,
                    invitation=invitation,
                )
            except ValidationError as error:
                return _closed_page(request, questionnaire, " ".join(error.messages))
            return redirect(request.path + "?merci=1")
        status = 400
    else:
        form = AnswerForm(initial=_initial(previous, asked), questions=asked)
    context = {
        "questionnaire": questionnaire,
        "form": form,
        "organisation": questionnaire.organisation,
        "changing": previous is not None,
    }
    return render(request, "enquetes/answer.html", context, status=status)


def _initial(response: Response | None, asked: list[Question]) -> dict:
    if response is None:
        return {}
    by_question = {q.pk: q for q in asked}
    initial: dict = {}
    for answer in response.answers.all():
        question = by_question.get(answer.question_id)
        if question is None:
            continue
        name = field_name(question)
        if question.kind == Question.Kind.MULTIPLE:
            initial.setdefault(name, []).append(answer.option)
        elif question.kind == Question.Kind.SINGLE:
            initial[name] = answer.option
        elif question.kind == Question.Kind.SCALE:
            initial[name] = int(answer.number)
        elif question.kind == Question.Kind.NUMBER:
            initial[name] = answer.number.normalize()
        else:
            initial[name] = answer.text
    return initial
