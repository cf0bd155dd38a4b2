from django.urls import include, path

from . import views

app_name = "funding"
urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review, name="review"),
    # "money/" (money): the dashboard of both schemes, portal.views.money (portal.urls puts it in this namespace).
    path("files/<uuid:public_id>/", views.file_download, name="file"),
    # The money work: the approvals inbox and release pages, payment runs, remittance advice.
    path("", include("funding.urls_releases")),
    path("", include("funding.urls_runs")),
    path("", include("funding.urls_remittances")),
    path("<slug:code>/", views.checklist, name="checklist"),
    path("<slug:code>/items/<int:item_id>/", views.item, name="item"),
]
