from django.urls import path

from opora.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/pick/", views.person_pick, name="person_pick"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("people/<int:pk>/family/", views.person_family, name="person_family"),
    path("people/<int:pk>/relations/new/", views.relationship_create, name="relationship_create"),
    path("people/<int:pk>/households/new/", views.household_member_create, name="household_member_create"),
    path("relations/<int:pk>/edit/", views.relationship_edit, name="relationship_edit"),
    path("households/members/<int:pk>/edit/", views.household_member_edit, name="household_member_edit"),
]
