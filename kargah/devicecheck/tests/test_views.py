"""The device check pages: the check a child uses, hostile input, `next`, the connection
endpoints, and the family page's status of each child."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kargah.accounts.tests.factories import GuardianFactory, StaffFactory
from kargah.devicecheck.models import DeviceCheck
from kargah.devicecheck.tests.conftest import CHROME_ANDROID, IE11, link
from kargah.devicecheck.views import PAYLOAD_BYTES

pytestmark = pytest.mark.django_db

GOOD_FORM = {
    "camera_ok": "true",
    "microphone_ok": "true",
    "speaker_ok": "true",
    "rtt_ms": "۸۰",  # Persian digits, as any input may carry them (rule 11)
    "download_kbps": "4000",
}


def client_for(user, user_agent=CHROME_ANDROID) -> Client:
    client = Client(headers={"User-Agent": user_agent})
    client.force_login(user)
    return client


def url(learner, next_url=""):
    query = f"?learner={learner.pk}" + (f"&next={next_url}" if next_url else "")
    return reverse("devicecheck:check") + query


def test_the_path_is_the_one_in_the_brief():
    assert reverse("devicecheck:check") == "/device-check/"
    assert reverse("devicecheck:ping") == "/device-check/ping"


def test_the_page_shows_the_steps_the_video_and_the_pictures(guardian, learner):
    page = client_for(guardian).get(url(learner))
    assert page.status_code == 200
    html = page.content.decode()
    for asset in ("help-video.webm", "help-video.mp4", "help-video.fa.vtt", "wall.svg",
                  "no-light.svg", "headset.svg", "test-tone.wav", "js/devicecheck.js"):  # fmt: skip
        assert asset in html
    assert 'kind="captions" srclang="fa"' in html
    assert 'data-ok="true"' in html  # Chrome 126 on Android


def test_an_old_browser_is_told_on_the_page(guardian, learner):
    page = client_for(guardian, IE11).get(url(learner))
    assert 'data-ok="false"' in page.content.decode()


def test_a_passing_check_is_kept_and_goes_to_next(guardian, learner):
    answer = client_for(guardian).post(
        url(learner, "/enroll/schedule/"), {**GOOD_FORM, "next": "/enroll/schedule/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/enroll/schedule/"
    check = DeviceCheck.objects.get()
    assert (check.learner, check.passed, check.rtt_ms) == (learner, True, 80)


def test_a_failing_check_is_kept_and_shown(guardian, learner):
    client = client_for(guardian)
    answer = client.post(url(learner), {**GOOD_FORM, "camera_ok": "false"})
    assert answer.status_code == 302
    assert not DeviceCheck.objects.get().passed
    page = client.get(answer["Location"])
    assert 'data-testid="devicecheck-latest"' in page.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_next_must_be_a_local_path(guardian, learner, next_url):
    answer = client_for(guardian).post(url(learner), {**GOOD_FORM, "next": next_url})
    assert answer["Location"].startswith("/device-check/")
    page = client_for(guardian).get(
        reverse("devicecheck:check"), {"learner": learner.pk, "next": next_url}
    )
    assert next_url not in page.content.decode()


@pytest.mark.parametrize(
    "hostile",
    [
        {"rtt_ms": "-1"},
        {"rtt_ms": "9" * 25},
        {"download_kbps": "1e400"},
        {"download_kbps": "NaN"},
        {"rtt_ms": "\u202e12"},
        {"next": "/" + "a" * 600},
    ],
)
def test_hostile_input_is_a_persian_400_and_changes_nothing(guardian, learner, hostile):
    answer = client_for(guardian).post(url(learner), {**GOOD_FORM, **hostile})
    assert answer.status_code == 400
    assert 'data-testid="devicecheck-error"' in answer.content.decode()
    assert not DeviceCheck.objects.exists()


def test_another_familys_child_is_404(learner):
    stranger = client_for(GuardianFactory.create())
    assert stranger.get(url(learner)).status_code == 404
    assert stranger.post(url(learner), GOOD_FORM).status_code == 404
    assert not DeviceCheck.objects.exists()


@pytest.mark.parametrize("learner_param", ["abc", "9" * 25, "-3", "۱"])
def test_a_bad_learner_id_is_the_chooser_or_404(guardian, learner_param):
    answer = client_for(guardian).get(reverse("devicecheck:check"), {"learner": learner_param})
    assert answer.status_code in (200, 404)


def test_a_linked_second_guardian_may_check(learner):
    other = link(learner)
    answer = client_for(other).post(url(learner), GOOD_FORM)
    assert answer.status_code == 302 and DeviceCheck.objects.get().checked_by == other


def test_staff_are_sent_away(learner):
    answer = client_for(StaffFactory.create()).get(url(learner))
    assert answer.status_code == 302


def test_without_a_child_the_guardian_chooses(guardian, learner):
    page = client_for(guardian).get(reverse("devicecheck:check"))
    assert page.status_code == 200 and f"learner={learner.pk}" in page.content.decode()


def test_ping_and_payload(guardian):
    client = client_for(guardian)
    ping = client.get(reverse("devicecheck:ping"))
    assert ping.status_code == 204 and "no-store" in ping["Cache-Control"]
    payload = client.get(reverse("devicecheck:payload"), headers={"Accept-Encoding": "gzip"})
    assert payload.status_code == 200 and len(payload.content) == PAYLOAD_BYTES
    assert payload["Content-Encoding"] == "identity"  # not gzipped on the way
    again = client.get(reverse("devicecheck:payload"))
    assert again.content != payload.content  # fresh bytes: no cache or compression helps


def test_the_connection_endpoints_need_a_sign_in():
    assert Client().get(reverse("devicecheck:payload")).status_code == 302


def test_the_family_page_shows_each_childs_check(guardian, learner):
    client = client_for(guardian)
    page = client.get(reverse("accounts:family")).content.decode()
    assert (
        'data-current="false"' in page
        and url(learner, "/accounts/family/").replace("&", "&amp;") in page
    )
    client.post(url(learner), GOOD_FORM)
    page = client.get(reverse("accounts:family")).content.decode()
    assert 'data-current="true"' in page
