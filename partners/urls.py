from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.partner_create, name="partner-create"),
    path("import/", views.partner_import, name="import"),
    path("export.<str:fmt>", views.partner_export, name="export"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/", views.partner_detail, name="partner-detail"),
    path("<int:pk>/edit/", views.partner_edit, name="partner-edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("engagements/", views.engagement_list, name="engagement-list"),
    path("engagements/new/", views.engagement_create, name="engagement-create"),
    path("engagements/export.<str:fmt>", views.engagement_export, name="engagement-export"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement-detail"),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement-edit"),
    path("follow-ups/<int:pk>/complete/", views.follow_up_complete, name="follow-up-complete"),
    path("portal/", views.portal, name="portal"),
    path("portal/engagements/<int:pk>/", views.portal_engagement, name="portal-engagement"),
]
