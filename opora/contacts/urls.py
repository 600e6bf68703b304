from django.urls import path

from opora.contacts import views

app_name = "contacts"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("cases/<int:pk>/contacts/", views.case_contacts_page, name="case_contacts"),
    path("cases/<int:pk>/contacts/new/", views.contact_book_page, name="contact_book"),
    path("contacts/<int:pk>/outcome/", views.contact_outcome_page, name="contact_outcome"),
]
