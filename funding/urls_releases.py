"""Portal URLs of the money work (releases); mounted under funding/ by funding.urls."""

urlpatterns: list = []
