"""Portal URLs of the money work (remittances); mounted under funding/ by funding.urls."""

urlpatterns: list = []
