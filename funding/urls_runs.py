"""Portal URLs of the money work (runs); mounted under funding/ by funding.urls."""

urlpatterns: list = []
