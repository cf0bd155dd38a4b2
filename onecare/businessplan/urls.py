from django.urls import path

from . import views

app_name = "businessplan"
urlpatterns = [path("", views.business_plan, name="plan")]
