from django.apps import AppConfig


class PlacesConfig(AppConfig):
    """Regions, municipalities and settlements of the national register EKATTE.

    Not in the audit registry: this reference data changes only through ``import_ekatte``, whose
    summary is the record of what changed, and a full import would otherwise write thousands of events.
    """

    name = "opora.places"
    label = "places"
