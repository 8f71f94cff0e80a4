"""Benchmark (not a test): the results of a questionnaire of 20 questions
answered 5,000 times — the page's time and query count (the same with 50
answers: constant in the number of answers), and the time of its PDF.

    python manage.py bench_enquetes

It builds a throwaway organisation (30 residences in 6 quartiers, 2 of them
QPV), a questionnaire of every kind of question (one shown on an earlier
answer), and its answers in bulk (the rows `response_submit` writes, on days
the questionnaire was open, by QR code, link and paper); measures; then
deletes what it built.
"""

import datetime
import io
import random
import statistics
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Membership, Organisation
from devtools.bench import number, remove_organisations
from devtools.builder import Builder
from devtools.management.commands.bench_bilan import plain_pdf_seconds
from enquetes import selectors, services
from enquetes.models import Answer, Question, Questionnaire, Response

SLUG = "bench-enquetes"
K = Question.Kind
# 20 questions: (kind, scale, options)
PLAN = (
    [(K.SCALE, "0-7", 0)] * 4
    + [(K.SCALE, "0-10", 0)] * 2
    + [(K.SCALE, "1-5", 0)] * 2
    + [(K.SINGLE, "", 3)] * 4
    + [(K.MULTIPLE, "", 5)] * 3
    + [(K.NUMBER, "", 0)] * 2
    + [(K.SHORT, "", 0)]
    + [(K.LONG, "", 0)] * 2
)
WORDS = "fête cour ascenseur voisins propreté jardin atelier enfants bancs local salle merci".split()


def build(seed: int = 7) -> tuple[Organisation, Questionnaire]:
    org = Organisation.objects.create(name="Bailleur du Banc d'essai (enquêtes)", slug=SLUG, kind="bailleur")
    b = Builder(org, rng=random.Random(seed), bulk=True)
    b.by = b.member(f"mediation@{SLUG}.test", Membership.Role.STAFF, first_name="Médiation")
    quartiers = b.quartiers([(f"Quartier {i + 1}", i < 2) for i in range(6)])
    homes = b.residences(30, quartiers=quartiers, prefix="E")
    today = timezone.localdate()
    questionnaire = services.questionnaire_create(
        organisation=org,
        by=b.by,
        title="Questionnaire du banc d'essai",
        audience="locataires",
        residences=homes,
        opens_on=today - datetime.timedelta(days=60),
        closes_on=today + datetime.timedelta(days=10),
    )
    section = services.section_add(questionnaire=questionnaire, title="Tout")
    made = []
    for n, (kind, scale, options) in enumerate(PLAN):
        made.append(
            services.question_save(
                questionnaire=questionnaire,
                section=section,
                kind=kind,
                text=f"Question {n + 1}",
                scale=scale,
                label_min="bas" if scale else "",
                label_max="haut" if scale else "",
                options=[f"Choix {i + 1}" for i in range(options)],
                show_if=made[8] if n == 9 else None,  # the second choice, asked on the first's « Choix 1 »
                show_if_values=[0] if n == 9 else None,
            )
        )
    return org, questionnaire


def answer(questionnaire: Questionnaire, start: int, end: int, rng: random.Random) -> None:
    questions = list(questionnaire.questions.order_by("position"))
    homes = list(questionnaire.residences.all())
    days = (questionnaire.closes_on - questionnaire.opens_on).days
    responses, answers = [], []
    for _ in range(start, end):
        day = min(questionnaire.opens_on + datetime.timedelta(days=rng.randrange(days)), timezone.localdate())
        response = Response(
            questionnaire=questionnaire,
            submitted_on=day,
            channel=rng.choice(("qr", "qr", "qr", "papier", "lien")),
            residence=rng.choice(homes),
        )
        responses.append(response)
        first_choice = rng.randrange(3)
        for question in questions:
            if question.show_if_id and first_choice != 0:
                continue
            if question.kind == K.SCALE:
                answers.append(Answer(response=response, question=question, number=rng.choice(question.scale_values)))
            elif question.kind == K.SINGLE:
                option = first_choice if question.pk == questions[8].pk else rng.randrange(len(question.options))
                answers.append(Answer(response=response, question=question, option=option))
            elif question.kind == K.MULTIPLE:
                for option in rng.sample(range(len(question.options)), rng.randint(1, 3)):
                    answers.append(Answer(response=response, question=question, option=option))
            elif question.kind == K.NUMBER:
                answers.append(Answer(response=response, question=question, number=Decimal(rng.randint(0, 40))))
            elif rng.random() < 0.3:
                answers.append(Answer(response=response, question=question, text=" ".join(rng.sample(WORDS, 5))))
    Response.objects.bulk_create(responses, batch_size=2000)
    Answer.objects.bulk_create(answers, batch_size=5000)


class Command(BaseCommand):
    help = "Mesure la page de résultats d'un questionnaire de 20 questions et 5 000 réponses, et son PDF."

    def add_arguments(self, parser):
        parser.add_argument("--answers", type=int, default=5000)

    def handle(self, *args, **options):
        from pypdf import PdfReader  # a test dependency: imported only when measuring

        total = options["answers"]
        remove_organisations(Organisation.objects.filter(slug=SLUG))
        rng = random.Random(11)
        started = time.perf_counter()
        with transaction.atomic():
            org, questionnaire = build()
            answer(questionnaire, 0, 50, rng)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(Membership.objects.get(organisation=org).user)
        url = f"/enquetes/{questionnaire.pk}/resultats/"
        try:
            client.get(url, secure=True)  # the session's first read
            few = self.measure(client, url)
            with transaction.atomic():
                answer(questionnaire, 50, total, rng)
            if connection.vendor == "postgresql":
                # What autovacuum does after a large insert: the planner's statistics.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE enquetes_answer, enquetes_response")
            built = time.perf_counter() - started
            rows = Answer.objects.filter(question__questionnaire=questionnaire).count()
            self.stdout.write(
                f"Jeu de données : {number(Response.objects.filter(questionnaire=questionnaire).count())} réponses, "
                f"{number(rows)} lignes de réponse, 20 questions, 30 résidences, construit en {built:.1f} s "
                f"({connection.vendor})."
            )
            many = self.measure(client, url)
            reads = []
            for _ in range(5):
                began = time.perf_counter()
                selectors.results(questionnaire)
                reads.append(time.perf_counter() - began)
            self.stdout.write(
                f"Page de résultats, 50 réponses : {few[0] * 1000:.0f} ms (médiane de 5), {few[1]} requêtes."
            )
            self.stdout.write(
                f"Page de résultats, {number(total)} réponses : {many[0] * 1000:.0f} ms (médiane de 5), "
                f"{many[1]} requêtes ({'constant' if few[1] == many[1] else 'NON CONSTANT'}), "
                f"dont lecture et calcul des résultats : {statistics.median(reads) * 1000:.0f} ms."
            )
            times = []
            for _ in range(3):
                began = time.perf_counter()
                response = client.get(f"/enquetes/{questionnaire.pk}/resultats.pdf", secure=True)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200
            pages = len(PdfReader(io.BytesIO(response.content)).pages)
            self.stdout.write(
                f"PDF des résultats : {statistics.median(times):.2f} s (médiane de 3), {pages} pages, "
                f"{len(response.content) // 1024} Ko ; WeasyPrint seul, document ordinaire d'autant de pages : "
                f"{plain_pdf_seconds(pages):.2f} s."
            )
            began = time.perf_counter()
            export = client.get(url + "?format=csv", secure=True)
            size = sum(len(chunk) for chunk in export.streaming_content)
            self.stdout.write(f"Export CSV : {(time.perf_counter() - began) * 1000:.0f} ms, {size // 1024} Ko.")
        finally:
            remove_organisations(Organisation.objects.filter(slug=SLUG))

    def measure(self, client, url) -> tuple[float, int]:
        times, queries = [], 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url, secure=True)  # production redirects plain HTTP
                times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        return statistics.median(times), queries
