"""Wrong username, wrong password, or a deactivated login: the page reads the
same, so it tells a stranger nothing about which usernames exist."""

import re

from django.test import Client
from django.urls import reverse

from tests.code_step import is_logged_in, page_text, twofactor_on
from tests.fixtures import PASSWORD, last_code, password_step

MESSAGE = "Please enter a correct username and password."


def refusal(username, password):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert not is_logged_in(client)
    text = re.sub(re.escape(username), "<typed>", page_text(response))
    return response.status_code, text


def test_wrong_username_wrong_password_and_deactivated_read_the_same(coworker, make_user, acme):
    gone = make_user("gone", acme)
    gone.is_active = False
    gone.save()

    unknown = refusal("nobody", PASSWORD)
    wrong = refusal("carl", "not-the-password")
    inactive = refusal("gone", PASSWORD)

    assert unknown == wrong == inactive
    assert unknown[0] == 400 and MESSAGE in unknown[1]


def test_the_typed_username_is_kept(client, db):
    response = client.post(reverse("login"), {"username": "nobody", "password": "x"})

    assert 'value="nobody"' in response.content.decode()
    assert 'value="x"' not in response.content.decode()  # never the password


def test_another_users_id_at_the_code_step_logs_in_only_the_right_person(
    client, coworker, admin_user, acme, outbox
):
    twofactor_on(acme, coworker)
    password_step(client, coworker)

    client.post(
        reverse("login_verify"),
        {"code": last_code(outbox), "user_id": admin_user.pk, "username": admin_user.username},
    )

    assert client.session["_auth_user_id"] == str(coworker.pk)
