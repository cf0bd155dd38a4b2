"""Portal URLs of the money work (releases); mounted under funding/ by funding.urls.

funding:inbox             the approvals inbox of a commissioner or finance approver
funding:release           a release's page: how its amount was worked out, its history, the steps open to you
funding:release-step      the confirmation page of one step (approve, authorise, reject, withdraw, reopen)
"""

from django.urls import path

from . import views_releases as views

urlpatterns = [
    path("approvals/", views.inbox, name="inbox"),
    path("releases/<int:pk>/", views.release, name="release"),
    path("releases/<int:pk>/<slug:step>/", views.release_step, name="release-step"),
]
