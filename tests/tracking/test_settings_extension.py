"""The Settings page's browser extension section: the download, built from
extension/, and a key that can only record its owner's SSI page."""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from tracking.api.auth import hash_key
from tracking.models import ApiToken

EXTENSION = Path(__file__).resolve().parents[2] / "extension"


@pytest.mark.django_db
def test_the_download_is_the_extension_folder_as_a_zip(client, sales):
    client.force_login(sales)
    response = client.get("/settings/extension.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="ssi-dashboard-extension.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    on_disk = {f"ssi-dashboard-extension/{p.relative_to(EXTENSION).as_posix()}" for p in EXTENSION.rglob("*") if p.is_file()}
    assert names == on_disk
    manifest = json.loads(archive.read("ssi-dashboard-extension/manifest.json"))
    assert manifest["manifest_version"] == 3
    scripts = [js for entry in manifest["content_scripts"] for js in entry["js"]]
    assert {f"ssi-dashboard-extension/{name}" for name in
            [*scripts, manifest["background"]["service_worker"], manifest["options_ui"]["page"]]} <= names
    assert all(entry["matches"] == ["https://www.linkedin.com/sales/ssi*"] for entry in manifest["content_scripts"])
    assert archive.read("ssi-dashboard-extension/background.js") == (EXTENSION / "background.js").read_bytes()
    # Built the same way twice, it is the same file.
    assert client.get("/settings/extension.zip").content == response.content


@pytest.mark.django_db
def test_the_download_needs_a_login(client):
    response = client.get("/settings/extension.zip")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_extension_key_is_shown_once_in_a_connection_line(client, sales):
    client.force_login(sales)
    response = client.post("/settings/", {"action": "create_extension_key"}, follow=True)
    html = response.content.decode()
    dashboard, key = re.search(r'<code id="extension-line" class="breakable">(\S+) (ssi_[\w-]+)</code>', html).groups()
    assert dashboard == "http://testserver"
    token = ApiToken.objects.get(user=sales)
    assert (token.scope, token.key_hash, token.name) == ("capture", hash_key(key), "Browser extension")
    assert "browser extension: records your SSI page only" in html
    assert key not in client.get("/settings/").content.decode()
    client.logout()
    assert client.get("/api/v1/capture", HTTP_AUTHORIZATION=f"Bearer {key}").json()["email"] == sales.email
    assert client.get("/api/v1/snapshots", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403


@pytest.mark.django_db
def test_the_section_explains_the_extension_in_a_few_lines(client, sales):
    client.force_login(sales)
    html = client.get("/settings/").content.decode()
    section = html[html.index('<section id="extension"'):]
    section = section[:section.index("</section>")]
    assert 'href="/settings/extension.zip"' in section
    assert "Load unpacked" in section and "linkedin.com/sales/ssi" in section
    assert section.count("<li>") == 4
