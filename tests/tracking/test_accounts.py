"""Logging in with an email, changing and resetting a password."""

import re

import pytest
from django.core import mail
from django.urls import reverse


@pytest.mark.django_db
def test_a_person_logs_in_with_their_email_in_any_case_and_lands_on_their_dashboard(client, sales):
    response = client.post(reverse("login"), {"username": "Sales@Example.com", "password": "pw-for-tests"})
    assert response.status_code == 302
    # "/" is a salesperson's own dashboard (managers and admins are sent on from it).
    assert response["Location"] == reverse("scoring:home") == "/"


@pytest.mark.django_db
def test_a_password_reset_link_sets_a_new_password_once(client, sales):
    response = client.post(reverse("password_reset"), {"email": "sales@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your SSI Dashboard password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"})
    assert done.status_code == 302
    sales.refresh_from_db()
    assert sales.check_password("a-new-long-passphrase")

    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


@pytest.mark.django_db
def test_a_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, sales):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert "If an account uses that address" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_person_changes_their_password(client, sales):
    client.force_login(sales)
    response = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests", "new_password1": "another-long-passphrase",
        "new_password2": "another-long-passphrase",
    })
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.check_password("another-long-passphrase")
