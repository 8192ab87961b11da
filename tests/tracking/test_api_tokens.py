"""API keys on the settings page: created and named, shown once, revoked."""

import re

import pytest

from tracking.api.auth import hash_key
from tracking.models import ApiToken


def create(client, name, **extra):
    return client.post("/settings/", {"action": "create_token", "token-name": name, **extra}, follow=True)


@pytest.mark.django_db
def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(client, sales):
    client.force_login(sales)
    html = create(client, "laptop script").content.decode()
    key = re.search(r'<code id="new-key">(ssi_[\w-]+)</code>', html).group(1)
    token = ApiToken.objects.get(user=sales)
    assert (token.name, token.key_hash, token.can_write_for_anyone) == ("laptop script", hash_key(key), False)
    assert f"Bearer {key}" in html  # the ready-to-run curl line
    again = client.get("/settings/").content.decode()
    assert key not in again
    assert f"{token.prefix}…" in again


@pytest.mark.django_db
def test_the_new_key_works_with_the_api(client, sales):
    client.force_login(sales)
    key = re.search(r'id="new-key">(ssi_[\w-]+)<', create(client, "x").content.decode()).group(1)
    client.logout()
    response = client.get("/api/v1/snapshots", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_only_an_admin_may_make_a_key_that_writes_for_anyone(client, sales, admin):
    client.force_login(sales)
    assert "token-can_write_for_anyone" not in client.get("/settings/").content.decode()
    create(client, "sneaky", **{"token-can_write_for_anyone": "on"})
    assert ApiToken.objects.get(user=sales).can_write_for_anyone is False
    client.force_login(admin)
    create(client, "CRM sync", **{"token-can_write_for_anyone": "on"})
    assert ApiToken.objects.get(user=admin).can_write_for_anyone is True


@pytest.mark.django_db
def test_a_person_revokes_their_key(client, sales):
    client.force_login(sales)
    create(client, "old")
    token = ApiToken.objects.get()
    response = client.post(f"/settings/keys/{token.pk}/revoke/", follow=True)
    assert "The key is revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_someone_elses_key_cannot_be_revoked(client, sales, peer):
    client.force_login(sales)
    create(client, "mine")
    token = ApiToken.objects.get()
    client.force_login(peer)
    assert client.post(f"/settings/keys/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "<td>mine" not in client.get("/settings/").content.decode()  # no row for the other person's key


@pytest.mark.django_db
def test_settings_need_a_login(client):
    assert client.get("/settings/").status_code == 302
