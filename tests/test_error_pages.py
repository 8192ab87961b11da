"""The 404 and 500 pages are the product's own, not Django's."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.views.defaults import server_error


@pytest.mark.django_db
def test_an_unknown_address_gets_the_products_404_page(client, sales):
    client.force_login(sales)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'href="/entry/"' in html  # a way on
    assert "Sasha Sales" not in html  # nothing about anyone, the visitor included
    assert "The requested resource was not found on this server" not in html  # Django's own text


def test_the_500_page_renders_without_a_request_context_or_the_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert "Server Error (500)" not in html  # Django's own page
