"""The demo's questionnaires (called by `seed_demo`, before the bilan): last
year's trust barometer, closed, and this year's, open now, both answered by
tenants of several residences (the poster's QR code, and paper typed in by the
team), so that the results page, its comparison with the year before and the
bilan's barometer all have something to show. Every answer is written through
the product's service on a day the questionnaire was open."""

import datetime

from devtools.builder import Builder, clock
from enquetes import services
from relais.models import Residence

# How each residence tends to answer « peut-on faire confiance aux gens » (0–7), last year and this year.
LEAN = [(3, 4), (4, 5), (2, 3), (5, 5), (3, 4), (4, 4)]


def _answers(b: Builder, questionnaire, residences, *, shift: int, per_residence: int) -> None:
    questions = list(questionnaire.questions.order_by("position"))
    trust, neighbours, asked, future, involvement, took_part, helped, idea = questions
    last_day = min(questionnaire.closes_on, b.today)
    ideas = [
        "Une fête des voisins dans la cour, avec les enfants.",
        "Un atelier cuisine dans la salle commune.",
        "Plus d'informations sur les travaux de l'ascenseur.",
        "Des bancs près de l'aire de jeux.",
        "",
        "",
    ]
    for index, residence in enumerate(residences):
        lean = LEAN[index % len(LEAN)][shift]
        for n in range(per_residence):
            day = b.day(questionnaire.opens_on, last_day)
            answers = {
                trust: max(0, min(7, lean + b.rng.choice((-2, -1, 0, 0, 1, 2)))),
                neighbours: max(0, min(7, lean + b.rng.choice((-1, 0, 1, 2)))),
                asked: sorted(b.rng.sample(range(4), b.rng.choice((0, 1, 1, 2)))) or [4],
                future: sorted(b.rng.sample(range(4), b.rng.choice((1, 2, 2, 3)))),
                involvement: b.rng.choice((2, 3, 3, 4, 4, 5)),
            }
            participated = b.rng.random() < 0.45 + 0.1 * shift
            answers[took_part] = 0 if participated else 1
            if participated:
                answers[helped] = b.rng.choice((3, 4, 4, 5))
            answers[idea] = b.rng.choice(ideas)
            services.response_submit(
                questionnaire=questionnaire,
                answers=answers,
                channel="papier" if n % 4 == 3 else "qr",
                residence=residence,
                today=day,
            )


def seed(b: Builder) -> None:
    organisation, today = b.organisation, b.today
    residences = list(Residence.objects.filter(organisation=organisation).order_by("-dwellings", "pk")[:6])
    if not residences:
        return
    # Last year's, in the spring, closed.
    last_open = datetime.date(today.year - 1, 3, 15)
    with clock(b.at(last_open - datetime.timedelta(days=10))):
        last = services.questionnaire_create(
            organisation=organisation,
            by=b.by,
            title=f"Baromètre de la confiance {today.year - 1}",
            template="barometre",
            audience="locataires",
            residences=residences,
            opens_on=last_open,
            closes_on=last_open + datetime.timedelta(days=45),
        )
    _answers(b, last, residences, shift=0, per_residence=8)
    # This year's: open now, answers still coming in.
    # (never before the 1st of January: it is this year's, compared with last year's)
    this_open = max(today - datetime.timedelta(days=18), datetime.date(today.year, 1, 1))
    with clock(b.at(this_open - datetime.timedelta(days=5))):
        this = services.questionnaire_create(
            organisation=organisation,
            by=b.by,
            title=f"Baromètre de la confiance {this_open.year}",
            template="barometre",
            audience="locataires",
            residences=residences,
            opens_on=this_open,
            closes_on=today + datetime.timedelta(days=24),
        )
    _answers(b, this, residences[:5], shift=1, per_residence=7)
