from django.urls import path

from . import governance_views, views

app_name = "localities"
urlpatterns = [
    path("", views.overview, name="overview"),
    # "<slug:code>/" (detail): the locality page, portal.views.locality_page (portal.urls puts it in this namespace).
    path("<slug:code>/governance/", governance_views.summary, name="governance"),
    path("<slug:code>/governance/vehicle/", governance_views.vehicle_edit, name="vehicle-edit"),
    path(
        "<slug:code>/governance/representatives/add/",
        governance_views.representative_add,
        name="representative-add",
    ),
    path(
        "<slug:code>/governance/representatives/<int:pk>/end/",
        governance_views.representative_end,
        name="representative-end",
    ),
    path("<slug:code>/governance/sub-localities/add/", governance_views.sub_locality_add, name="sub-locality-add"),
    path(
        "<slug:code>/governance/sub-localities/<int:pk>/rename/",
        governance_views.sub_locality_rename,
        name="sub-locality-rename",
    ),
    path("<slug:code>/governance/practices/add/", governance_views.membership_add, name="membership-add"),
    path(
        "<slug:code>/governance/practices/<int:pk>/end/",
        governance_views.membership_end,
        name="membership-end",
    ),
    path(
        "<slug:code>/governance/practices/<int:pk>/sub-locality/",
        governance_views.membership_sub_locality,
        name="membership-sub-locality",
    ),
    path(
        "<slug:code>/governance/practices/<int:pk>/opt-out/",
        governance_views.membership_opt_out,
        name="membership-opt-out",
    ),
    path(
        "<slug:code>/governance/practices/<int:pk>/opt-back-in/",
        governance_views.membership_opt_back_in,
        name="membership-opt-back-in",
    ),
]
