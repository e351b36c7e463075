from django.urls import path

from twofactor import callbacks, views

app_name = "twofactor"

urlpatterns = [
    path("verify/", views.change_verify, name="verify"),
    path("resend/", views.change_resend, name="resend"),
    path("passkey/options/", views.change_passkey_options, name="passkey_options"),
    path("passkey/", views.change_passkey_verify, name="passkey_verify"),
    path("app/", views.change_app_instead, name="app_instead"),
    path("status/<str:kind>/", views.delivery_status, name="status"),
    path("twilio/status/", callbacks.twilio_status, name="twilio_status"),
]
