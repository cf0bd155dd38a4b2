from django.urls import path

from . import views

app_name = "ballots"
urlpatterns = [
    path("", views.ballot_list, name="list"),
    path("<int:pk>/", views.ballot_detail, name="detail"),
    path("<int:pk>/record/", views.ballot_record, name="record"),
    path("<int:pk>/results/", views.ballot_results, name="results"),
    path("<int:pk>/certify/", views.ballot_certify_view, name="certify"),
    path("decisions/<slug:code>/", views.decisions, name="decisions"),
]
