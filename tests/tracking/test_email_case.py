"""An email address is one identity whatever its case: for logging in, the
lockout, invitations, imports, the admin and the API."""

import json

import pytest
from axes.models import AccessAttempt
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.tracking.test_import_command import run, write
from tracking.api import auth
from tracking.models import Membership, Snapshot, User

pytestmark = pytest.mark.django_db
VARIANTS = ["SALES@example.com", "Sales@Example.com", "sales@EXAMPLE.COM", "sAlEs@example.com", " sales@example.com "]


def _login(client, email, password="wrong-password"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_a_locked_account_stays_locked_in_every_case_of_its_email(client, sales):
    for _ in range(5):
        _login(client, "sales@example.com")
    # 20 more guesses across case variants: every one meets the lockout.
    for n in range(20):
        response = _login(client, VARIANTS[n % len(VARIANTS)])
        assert response.status_code == 429
    right = _login(client, "SaLeS@example.com", password="pw-for-tests")
    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    # One account's count, not one per spelling.
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["sales@example.com"]


def test_failures_in_different_cases_add_up_to_one_lockout(client, sales):
    for email in VARIANTS:
        _login(client, email)
    assert _login(client, "sales@example.com", password="pw-for-tests").status_code == 429


def test_a_person_stored_in_any_case_is_stored_lower_cased(db):
    person = User.objects.create_user(email="  Mixed.Case@Example.COM ", password="x")
    assert person.email == "mixed.case@example.com"
    person.email = "Mixed.Case@Example.COM"
    person.save()
    person.refresh_from_db()
    assert person.email == "mixed.case@example.com"
    assert User.objects.get_by_natural_key("MIXED.case@example.com") == person


def test_the_database_refuses_an_address_not_in_lower_case_and_a_second_spelling(sales):
    with pytest.raises(IntegrityError, match="user_email_lower_case"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE tracking_user SET email = 'Sales@Example.com' WHERE id = %s", [sales.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="SALES@EXAMPLE.COM", password="x")


def test_the_admin_adds_a_person_in_lower_case_and_refuses_another_case_of_an_existing_one(client, admin, sales):
    client.force_login(admin)
    data = {"email": "New.Person@Example.com", "name": "", "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1", "usable_password": "true"}
    assert client.post("/admin/tracking/user/add/", data).status_code == 302
    assert User.objects.filter(email="new.person@example.com").exists()
    response = client.post("/admin/tracking/user/add/", {**data, "email": "SALES@example.com"})
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="sales@example.com").count() == 1


def test_inviting_an_existing_person_in_another_case_adds_them_instead_of_a_second_account(
        client, admin, west, sales):
    client.force_login(admin)
    response = client.post(f"/teams/{west.slug}/members/", {"email": "SALES@Example.com", "role": "member"})
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="sales@example.com").count() == 1
    assert Membership.objects.filter(team=west, user=sales).exists()
    again = client.post(f"/teams/{west.slug}/members/", {"email": "sales@EXAMPLE.com", "role": "member"})
    assert "is already in West" in again.content.decode()


def test_an_import_creating_people_creates_one_per_address_whatever_its_case(tmp_path, db):
    path = write(tmp_path, "email,date,ssi\nNew@Example.com,2026-01-05,40\nnew@example.com,2026-01-06,41\n")
    code, report, _ = run(path, "--json", "--create-users")
    assert code == 0, report
    assert list(User.objects.values_list("email", flat=True)) == ["new@example.com"]
    assert Snapshot.objects.count() == 2


def test_an_admin_key_writes_for_a_person_named_in_any_case(client, admin, sales):
    key = auth.create_token(admin, "integration", can_write_for_anyone=True)[1]
    response = client.post("/api/v1/snapshots", data=json.dumps({"email": "SALES@Example.COM", "ssi": 40}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201, response.content
    assert Snapshot.objects.get().user == sales
