"""Vietnamese first: pages ignore the browser's language, the API honours it."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_the_vietnamese_page(client):
    page = client.get("/gui-phan-anh/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert "Gửi phản ánh" in page.content.decode()
    assert "Send a report" not in page.content.decode()


def test_the_language_switch_gives_english_pages(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "Send a report" in client.get("/gui-phan-anh/").content.decode()


def test_an_api_client_can_ask_for_english_messages(client):
    body = {"description": "", "consent": True, "anonymous": True}

    vi = client.post("/api/v1/reports", body, content_type="application/json").json()
    en = client.post(
        "/api/v1/reports", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()

    assert vi["fields"]["description"] == ["Trường này là bắt buộc."]
    assert en["fields"]["description"] == ["This field is required."]
