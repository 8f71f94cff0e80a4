from django.urls import path

from enquetes import views

app_name = "enquetes"

urlpatterns = [
    path("enquetes/", views.questionnaire_list, name="list"),
    path("enquetes/<int:questionnaire>/", views.questionnaire_detail, name="detail"),
    path("enquetes/<int:questionnaire>/modifier/", views.questionnaire_edit, name="edit"),
    path("enquetes/<int:questionnaire>/sections/", views.section_add, name="section_add"),
    path("enquetes/<int:questionnaire>/questions/", views.question_add, name="question_add"),
    path("enquetes/<int:questionnaire>/questions/<int:question>/", views.question_edit, name="question_edit"),
    path(
        "enquetes/<int:questionnaire>/questions/<int:question>/supprimer/",
        views.question_delete,
        name="question_delete",
    ),
    path("enquetes/<int:questionnaire>/apercu/", views.preview, name="preview"),
    path("enquetes/<int:questionnaire>/envoyer/", views.send, name="send"),
    path("enquetes/<int:questionnaire>/relancer/", views.remind, name="remind"),
    path("enquetes/<int:questionnaire>/papier/", views.paper, name="paper"),
    path("enquetes/<int:questionnaire>/questionnaire.pdf", views.paper_pdf, name="paper_pdf"),
    path("enquetes/<int:questionnaire>/affiche/<int:residence>/", views.poster, name="poster"),
    path("enquetes/<int:questionnaire>/resultats/", views.results, name="results"),
    path("enquetes/<int:questionnaire>/resultats.pdf", views.results_file, name="results_pdf"),
    # The respondent's pages: no login.
    path("e/<str:enquete_key>/", views.answer_open, name="answer_open"),
    path("e/<str:enquete_key>/merci/", views.thanks, name="thanks"),
    path("l/<str:enquete_code>/", views.answer_link, name="answer_link"),
]
