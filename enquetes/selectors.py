"""Reads of the surveys: the builder, the respondent's page, the results.

The results are read in a fixed number of queries whatever the number of
answers (aggregates grouped by question, residence, channel and value), and
shown only for groups of at least `THRESHOLD` respondents: smaller groups are
merged into one « autres » line, hidden when even that stays below it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from core.charts import bar_chart
from core.models import Organisation, SensitiveFlag
from enquetes.models import Answer, Invitation, Question, Questionnaire, Response
from relais.models import Quartier, Relais, Residence

THRESHOLD = 5
TEXTS_SHOWN = 200
DIMENSIONS = {"residence": "Résidence", "quartier": "Quartier", "qpv": "QPV ou non", "canal": "Canal"}
CHANNELS = dict(Response.Channel.choices)


def questionnaire_list(user) -> QuerySet[Questionnaire]:
    return Questionnaire.objects.for_user(user).annotate(
        answered=Count("responses", distinct=True), invited=Count("invitations", distinct=True)
    )


def questions(questionnaire: Questionnaire) -> list[Question]:
    return list(
        Question.objects.filter(questionnaire=questionnaire)
        .select_related("section", "show_if")
        .order_by("section__position", "section_id", "position", "pk")
    )


def sections_with_questions(questionnaire: Questionnaire) -> list[tuple]:
    """[(section, [questions])] in order, empty sections included."""
    grouped: dict[int, list[Question]] = defaultdict(list)
    for question in questions(questionnaire):
        grouped[question.section_id].append(question)
    return [(s, grouped[s.pk]) for s in questionnaire.sections.all()]


def builder(questionnaire: Questionnaire) -> dict:
    invitations = Invitation.objects.filter(questionnaire=questionnaire).aggregate(
        invited=Count("pk"), used=Count("pk", filter=Q(used=True)), reminded=Count("pk", filter=Q(reminded=True))
    )
    return {
        "sections": sections_with_questions(questionnaire),
        "responses": Response.objects.filter(questionnaire=questionnaire).count(),
        "residences": list(questionnaire.residences.order_by("name")),
        **invitations,
    }


def send_choices(user):
    """Quartiers and residences the user may address."""
    return Quartier.objects.for_user(user).order_by("name"), Residence.objects.for_user(user).order_by("name")


def relais_for(user, *, who: str, quartier=None, residence=None) -> QuerySet[Relais]:
    relais = Relais.objects.for_user(user).filter(status=Relais.Status.ACTIF, anonymised_at__isnull=True)
    if who == "quartier" and quartier is not None:
        relais = relais.filter(relais_links__residence__quartier=quartier)
    elif who == "residence" and residence is not None:
        relais = relais.filter(relais_links__residence=residence)
    return relais.distinct()


def open_questionnaire(key: str) -> Questionnaire | None:
    return Questionnaire.objects.select_related("organisation").filter(key=key).first()


def invitation_for(pk: int) -> Invitation | None:
    return Invitation.objects.select_related("questionnaire__organisation", "relais").filter(pk=pk).first()


# Results.


@dataclass
class Group:
    key: object
    label: str
    quartier: str = ""
    qpv: bool | None = None


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    shown: bool = False
    rows: list = field(default_factory=list)  # (label, count, share %, previous count or None)
    mean: float | None = None
    median: float | None = None
    previous_mean: float | None = None
    previous_respondents: int = 0
    chart: str = ""
    by_group: list = field(default_factory=list)  # (group label, respondents, mean or [shares])
    hidden_in_groups: int = 0
    texts: list = field(default_factory=list)
    held: int = 0


def _group_of(dimension: str, residence_id, channel: str, places: dict[int, Group]) -> tuple:
    place = places.get(residence_id)
    if dimension == "canal":
        return channel, CHANNELS.get(channel, channel)
    if dimension == "quartier":
        name = place.quartier if place and place.quartier else "Quartier inconnu"
        return name, name
    if dimension == "qpv":
        if place is None or place.qpv is None:
            return "?", "Inconnu"
        return place.qpv, "En QPV" if place.qpv else "Hors QPV"
    return residence_id, place.label if place else "Résidence non dite"


def _numbers(counts: dict) -> tuple[float | None, float | None]:
    values: list[float] = []
    for value, n in counts.items():
        values += [float(value)] * n
    if not values:
        return None, None
    return round(statistics.fmean(values), 2), statistics.median(values)


def previous_of(questionnaire: Questionnaire) -> Questionnaire | None:
    if not questionnaire.family:
        return None
    return (
        Questionnaire.objects.filter(
            organisation_id=questionnaire.organisation_id, family=questionnaire.family, year=questionnaire.year - 1
        )
        .order_by("-opens_on")
        .first()
    )


def _overall(questionnaire: Questionnaire) -> dict[str, dict]:
    """The previous questionnaire's answers by question text: {text: {"values": {v: n}, "respondents": n}}."""
    out: dict[str, dict] = defaultdict(lambda: {"values": defaultdict(int), "respondents": 0, "kind": ""})
    rows = (
        Answer.objects.filter(question__questionnaire=questionnaire)
        .exclude(question__kind__in=(Question.Kind.SHORT, Question.Kind.LONG))
        .values("question__text", "question__kind", "option", "number")
        .annotate(n=Count("pk"), people=Count("response_id", distinct=True))
    )
    people = dict(
        Answer.objects.filter(question__questionnaire=questionnaire)
        .values("question__text")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question__text", "n")
    )
    for row in rows:
        entry = out[row["question__text"]]
        value = row["option"] if row["option"] is not None else row["number"]
        entry["values"][Decimal(value) if row["number"] is not None else value] += row["n"]
        entry["kind"] = row["question__kind"]
    for text, n in people.items():
        out[text]["respondents"] = n
    return out


def results(questionnaire: Questionnaire, *, dimension: str = "residence") -> dict:
    dimension = dimension if dimension in DIMENSIONS else "residence"
    asked = questions(questionnaire)
    sizes = list(
        Response.objects.filter(questionnaire=questionnaire).values("residence_id", "channel").annotate(n=Count("pk"))
    )
    total = sum(row["n"] for row in sizes)
    places = {
        row["pk"]: Group(row["pk"], row["name"], row["quartier__name"] or "", row["quartier__is_qpv"])
        for row in Residence.objects.filter(pk__in={r["residence_id"] for r in sizes if r["residence_id"]}).values(
            "pk", "name", "quartier__name", "quartier__is_qpv"
        )
    }
    shown = total >= THRESHOLD
    previous = previous_of(questionnaire)
    before = _overall(previous) if previous and shown else {}
    context = {
        "questionnaire": questionnaire,
        "total": total,
        "shown": shown,
        "threshold": THRESHOLD,
        "dimension": dimension,
        "dimensions": DIMENSIONS,
        "dimension_label": {"residence": "résidence", "qpv": "QPV ou non"}.get(
            dimension, DIMENSIONS[dimension].lower()
        ),
        "previous": previous,
        "groups": _groups(sizes, dimension, places) if shown else ([], 0),
        "questions": [],
    }
    if not shown:
        context["questions"] = [QuestionResult(q) for q in asked]
        return context

    values: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # q -> group -> value -> n
    people: dict[int, dict] = defaultdict(lambda: defaultdict(int))  # q -> group -> respondents
    labels: dict = {}
    # One row per answer for a scale, a single choice or a number: their
    # respondents are the rows counted; a multiple choice (a row per option
    # ticked) and a free text are counted apart, by distinct response.
    one_row = [q.pk for q in asked if q.kind in (Question.Kind.SCALE, Question.Kind.SINGLE, Question.Kind.NUMBER)]
    several = [q.pk for q in asked if q.kind == Question.Kind.MULTIPLE or q.is_text]
    rows = (
        Answer.objects.filter(question_id__in=one_row + [q.pk for q in asked if q.kind == Question.Kind.MULTIPLE])
        .values_list("question_id", "response__residence_id", "response__channel", "option", "number")
        .annotate(n=Count("pk"))
        .order_by()
    )
    single_row = set(one_row)
    groups: dict = {}
    for question_id, residence_id, channel, option, value, n in rows:
        key = groups.get((residence_id, channel))
        if key is None:
            key, labels[key] = _group_of(dimension, residence_id, channel, places)
            groups[(residence_id, channel)] = key
        values[question_id][key][option if option is not None else value] += n
        if question_id in single_row:
            people[question_id][key] += n
    for question_id, residence_id, channel, n in (
        Answer.objects.filter(question_id__in=several)
        .values_list("question_id", "response__residence_id", "response__channel")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        key, labels[key] = _group_of(dimension, residence_id, channel, places)
        people[question_id][key] += n

    texts, held = _texts(questionnaire)
    for question in asked:
        context["questions"].append(
            _question_result(question, values[question.pk], people[question.pk], labels, before.get(question.text))
        )
        result = context["questions"][-1]
        result.texts, result.held = texts.get(question.pk, []), held.get(question.pk, 0)
    return context


def _groups(sizes: list[dict], dimension: str, places: dict) -> tuple[list, int]:
    counts: dict = defaultdict(int)
    labels: dict = {}
    for row in sizes:
        key, label = _group_of(dimension, row["residence_id"], row["channel"], places)
        counts[key] += row["n"]
        labels[key] = label
    return _merge([(labels[k], n) for k, n in counts.items()])


def _merge(groups: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], int]:
    """Groups of THRESHOLD or more as they are, the others merged into one
    line, itself hidden under THRESHOLD. Returns (lines, hidden respondents)."""
    big = sorted((g for g in groups if g[1] >= THRESHOLD), key=lambda g: (-g[1], g[0]))
    small = sum(n for _, n in groups if n < THRESHOLD)
    if small >= THRESHOLD:
        big.append(("Autres groupes (moins de 5 réponses chacun)", small))
        small = 0
    return big, small


def _question_result(question: Question, values: dict, people: dict, labels: dict, before: dict | None):
    result = QuestionResult(question)
    result.respondents = sum(people.values())
    result.shown = result.respondents >= THRESHOLD and not question.is_text
    if question.is_text:
        result.shown = result.respondents >= THRESHOLD
        return result
    if not result.shown:
        return result
    overall: dict = defaultdict(int)
    for by_value in values.values():
        for value, n in by_value.items():
            overall[value] += n
    previous = before["values"] if before and before["kind"] == question.kind else None
    if previous is not None:
        result.previous_respondents = before["respondents"]
    if question.kind == Question.Kind.NUMBER:
        result.mean, result.median = _numbers(overall)
        if previous is not None:
            result.previous_mean, _ = _numbers(previous)
        result.by_group = _by_group(question, values, people, labels)
        return result
    choices = question.scale_values if question.kind == Question.Kind.SCALE else list(range(len(question.options)))
    for choice in choices:
        key = Decimal(choice) if question.kind == Question.Kind.SCALE else choice
        n = overall.get(key, 0)
        label = str(choice) if question.kind == Question.Kind.SCALE else question.options[choice]
        if question.kind == Question.Kind.SCALE and choice == question.scale_min and question.label_min:
            label = f"{choice} — {question.label_min}"
        if question.kind == Question.Kind.SCALE and choice == question.scale_max and question.label_max:
            label = f"{choice} — {question.label_max}"
        share = round(100 * n / result.respondents, 1) if result.respondents else 0
        result.rows.append((label, n, share, previous.get(key, 0) if previous is not None else None))
    if question.kind == Question.Kind.SCALE:
        result.mean, result.median = _numbers(overall)
        if previous is not None:
            result.previous_mean, _ = _numbers(previous)
    if previous is not None and result.previous_respondents >= THRESHOLD:
        chart_rows = [(label, n, before_n) for label, n, _, before_n in result.rows]
        legend = ("cette année", "l'an dernier")
    else:
        chart_rows, legend = [(label, n) for label, n, _, _ in result.rows], ()
        result.previous_mean = None
    result.chart = bar_chart(chart_rows, title=question.text, legend=legend)
    result.by_group = _by_group(question, values, people, labels)
    return result


def _by_group(question: Question, values: dict, people: dict, labels: dict) -> list:
    """Per group: (label, respondents, mean) for scales and numbers, (label,
    respondents, [share of each option]) for choices; small groups merged."""
    lines, hidden = [], 0
    kept = [k for k, n in people.items() if n >= THRESHOLD]
    small = [k for k, n in people.items() if n < THRESHOLD]
    buckets = [(labels[k], [k]) for k in sorted(kept, key=lambda k: labels[k])]
    small_total = sum(people[k] for k in small)
    if small_total >= THRESHOLD:
        buckets.append(("Autres groupes (moins de 5 réponses chacun)", small))
    else:
        hidden = small_total
    for label, keys in buckets:
        n = sum(people[k] for k in keys)
        merged: dict = defaultdict(int)
        for k in keys:
            for value, count in values.get(k, {}).items():
                merged[value] += count
        if question.is_choice:
            shares = [round(100 * merged.get(i, 0) / n, 1) if n else 0 for i in range(len(question.options))]
            lines.append((label, n, shares))
        else:
            lines.append((label, n, _numbers(merged)[0]))
    return [lines, hidden]


def _texts(questionnaire: Questionnaire) -> tuple[dict, dict]:
    """Free texts the sensitive-word guard let through (or a person kept after
    review), by question; and how many wait for a review or were removed."""
    content_type = ContentType.objects.get_for_model(Answer)
    held_ids = SensitiveFlag.objects.filter(content_type=content_type).exclude(outcome=SensitiveFlag.Outcome.KEPT)
    texts_asked = Question.objects.filter(
        questionnaire=questionnaire, kind__in=(Question.Kind.SHORT, Question.Kind.LONG)
    ).values("pk")
    answers = Answer.objects.filter(question_id__in=texts_asked).exclude(text="")
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id, text in (
        answers.exclude(pk__in=held_ids.values("object_id"))
        .order_by("-response__submitted_on", "pk")
        .values_list("question_id", "text")[:TEXTS_SHOWN]
    ):
        texts[question_id].append(text)
    held = dict(
        answers.filter(pk__in=held_ids.values("object_id"))
        .values("question_id")
        .annotate(n=Count("pk"))
        .values_list("question_id", "n")
    )
    return texts, held


# The bilan's part.


def barometer(organisation: Organisation, year: int) -> dict | None:
    """The trust barometer of `year` and of the year before, for the bilan:
    the first 0–7 question of each (social trust). None when neither has
    THRESHOLD answers."""
    found = {}
    for questionnaire in Questionnaire.objects.filter(
        organisation=organisation, template=Questionnaire.Template.BAROMETRE, year__in=(year, year - 1)
    ).order_by("year", "opens_on"):
        found[questionnaire.year] = questionnaire
    trust = {
        q.questionnaire.year: q
        for q in Question.objects.filter(
            questionnaire__in=found.values(), kind=Question.Kind.SCALE, scale_min=0, scale_max=7
        )
        .select_related("questionnaire")
        .order_by("-questionnaire__year", "-position")
    }
    counts: dict = defaultdict(lambda: defaultdict(int))
    for row in (
        Answer.objects.filter(question__in=trust.values())
        .values("question__questionnaire__year", "number")
        .annotate(n=Count("pk"))
    ):
        counts[row["question__questionnaire__year"]][row["number"]] += row["n"]
    years = {}
    for y in (year - 1, year):
        n = sum(counts[y].values())
        if n >= THRESHOLD:
            mean, _ = _numbers(counts[y])
            years[y] = {"respondents": n, "mean": mean, "values": counts[y], "title": found[y].title}
    if not years:
        return None
    both = year in years and year - 1 in years
    rows = []
    for v in range(0, 8):
        label = {0: "0 — jamais assez prudent", 7: "7 — on peut faire confiance"}.get(v, str(v))
        now = years.get(year, {}).get("values", {}).get(Decimal(v), 0)
        if both:
            rows.append((label, now, years[year - 1]["values"].get(Decimal(v), 0)))
        else:
            only = years[year] if year in years else years[year - 1]
            rows.append((label, only["values"].get(Decimal(v), 0)))
    legend = (str(year), str(year - 1)) if both else ()
    return {
        "year": years.get(year),
        "previous": years.get(year - 1),
        "chart": bar_chart(rows, title="Confiance sociale (0 à 7) : nombre de réponses", legend=legend),
        "label_year": str(year),  # never « 2 025 »
        "label_previous": str(year - 1),
    }
