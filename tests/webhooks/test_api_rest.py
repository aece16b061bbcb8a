"""Webhook management over REST (registry/rest/webhooks.py), end to end on both stacks: every
route for an owner, the secret only in the create and rotate answers, the wrong callers
refused (anonymous, a plain member, an owner of another publisher, the owner's API token),
and bad input answered with a 4xx and a detail, never a 500."""

from __future__ import annotations

from typing import Any

from domain.models import Webhook as WebhookRow
from tests.fixtures.stack import Stack, bearer
from tests.webhooks.api_support import (
    HOOK_URL,
    MEMBER,
    OWNER,
    STRANGER,
    emit,
    fail_delivery,
    owner_token,
    team,
)
from tests.webhooks.api_support import module_stack as module_stack

HOOKS = "/api/v1/publishers/alpha/webhooks"


async def _create(stack: Stack, user: str = OWNER, **body: Any) -> Any:
    return await stack.client.post(
        HOOKS, headers=bearer(user), json={"url": HOOK_URL, "events": ["version.published"], **body}
    )


async def test_an_owner_manages_a_hook_through_every_route(stack: Stack) -> None:
    client = stack.client
    await team(stack)
    owner = bearer(OWNER)

    created = await _create(stack, format="discord", description="team channel")
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    hook = created.json()
    secret = hook["secret"]
    assert secret and hook["warning"]
    assert hook["url"] == HOOK_URL and hook["events"] == ["version.published"]
    assert hook["format"] == "discord" and hook["description"] == "team channel"
    assert hook["publisher_name"] == "alpha" and hook["active"] is True
    assert hook["disabled_reason"] == "" and hook["disabled_at"] == ""
    assert hook["consecutive_failures"] == 0
    hook_id = hook["id"]

    listed = await client.get(HOOKS, headers=owner)
    assert listed.status_code == 200, listed.text
    assert [h["id"] for h in listed.json()["webhooks"]] == [hook_id]
    one = await client.get(f"/api/v1/webhooks/{hook_id}", headers=owner)
    assert one.status_code == 200
    assert one.json() == {k: v for k, v in hook.items() if k not in ("secret", "warning")}

    changed = await client.patch(
        f"/api/v1/webhooks/{hook_id}",
        headers=owner,
        json={"events": ["version.yanked", "package.deprecated"], "format": "json"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["version.yanked", "package.deprecated"]
    assert changed.json()["format"] == "json" and changed.json()["url"] == HOOK_URL

    disabled = await client.patch(
        f"/api/v1/webhooks/{hook_id}", headers=owner, json={"active": False}
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False and disabled.json()["disabled_reason"]
    assert disabled.json()["disabled_at"]
    enabled = await client.patch(
        f"/api/v1/webhooks/{hook_id}",
        headers=owner,
        json={"active": True, "events": ["version.published"]},
    )
    assert enabled.json()["active"] is True and enabled.json()["disabled_reason"] == ""

    rotated = await client.post(f"/api/v1/webhooks/{hook_id}/secret", headers=owner)
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new_secret = rotated.json()["secret"]
    assert new_secret and new_secret != secret
    assert (await WebhookRow.get(id=hook_id)).secret == new_secret

    empty = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=owner)
    assert empty.status_code == 200 and empty.json() == {"deliveries": []}
    [first] = await emit("alpha")
    pending = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=owner)
    [delivery] = pending.json()["deliveries"]
    assert delivery["id"] == first and delivery["webhook_id"] == hook_id
    assert delivery["event"] == "version.published" and delivery["state"] == "pending"
    assert delivery["redelivery_of"] is None and delivery["next_attempt_at"]
    [refused] = delivery["attempt_log"]  # sent once the event committed; no answer
    assert refused["attempt"] == 1 and refused["status_code"] is None and refused["error"]
    still_trying = await client.post(
        f"/api/v1/webhooks/{hook_id}/deliveries/{first}/redeliver", headers=owner
    )
    assert still_trying.status_code == 409, still_trying.text

    await fail_delivery(first)
    log = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=owner)
    [failed] = log.json()["deliveries"]
    assert failed["state"] == "failed" and failed["next_attempt_at"] == ""
    assert failed["last_status_code"] == 503 and failed["last_duration_ms"] == 12
    assert [a["attempt"] for a in failed["attempt_log"]] == [1, 2] and failed["attempts"] == 2
    attempt = failed["attempt_log"][-1]
    assert attempt["status_code"] == 503 and attempt["duration_ms"] == 12
    assert attempt["error"] == "HTTP 503" and attempt["at"]

    again = await client.post(
        f"/api/v1/webhooks/{hook_id}/deliveries/{first}/redeliver", headers=owner
    )
    assert again.status_code == 202, again.text
    assert again.json()["redelivery_of"] == first and again.json()["id"] > first
    assert again.json()["event"] == "version.published"
    newest = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries?limit=1", headers=owner)
    assert [d["id"] for d in newest.json()["deliveries"]] == [again.json()["id"]]
    older = await client.get(
        f"/api/v1/webhooks/{hook_id}/deliveries?before={again.json()['id']}", headers=owner
    )
    assert [d["id"] for d in older.json()["deliveries"]] == [first]

    # The secret was in the create and rotate answers, and in no other; no answer is kept
    # by any cache.
    for answer in (listed, one, changed, disabled, enabled, pending, log, again, newest, older):
        assert secret not in answer.text and new_secret not in answer.text
        assert "secret" not in answer.json()
        assert answer.headers["cache-control"] == "no-store"

    deleted = await client.delete(f"/api/v1/webhooks/{hook_id}", headers=owner)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/webhooks/{hook_id}", headers=owner)
    assert gone.status_code == 404 and gone.json()["detail"]
    assert (await client.get(HOOKS, headers=owner)).json() == {"webhooks": []}


async def test_only_owners_with_a_session_reach_a_hook(stack: Stack) -> None:
    client = stack.client
    await team(stack)
    created = await _create(stack)
    hook_id = created.json()["id"]
    [delivery_id] = await emit("alpha")
    await fail_delivery(delivery_id)
    token = await owner_token(stack)
    by_publisher = [
        ("GET", HOOKS, None),
        ("POST", HOOKS, {"url": HOOK_URL, "events": ["version.yanked"]}),
    ]
    by_id = [
        ("GET", f"/api/v1/webhooks/{hook_id}", None),
        ("PATCH", f"/api/v1/webhooks/{hook_id}", {"active": False}),
        ("POST", f"/api/v1/webhooks/{hook_id}/secret", None),
        ("GET", f"/api/v1/webhooks/{hook_id}/deliveries", None),
        ("POST", f"/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver", None),
        ("DELETE", f"/api/v1/webhooks/{hook_id}", None),
    ]
    for method, path, body in by_publisher + by_id:
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        # A leaked API token must not be able to point the publisher's events elsewhere.
        by_token = await client.request(method, path, json=body, headers=token)
        assert by_token.status_code == 403, (method, path, by_token.text)
        for user in (MEMBER, STRANGER):
            refused = await client.request(method, path, json=body, headers=bearer(user))
            # The publisher's hooks are owners' business (403); someone else's hook is not
            # found, so ids cannot be probed.
            expected = 403 if (method, path, body) in by_publisher else 404
            assert refused.status_code == expected, (user, method, path, refused.text)
            assert refused.json()["detail"]
    # Nothing changed and nothing leaked.
    row = await WebhookRow.get(id=hook_id)
    assert row.active and row.secret == created.json()["secret"]
    assert await WebhookRow.filter(publisher__name="alpha").count() == 1
    beta = await client.get("/api/v1/publishers/beta/webhooks", headers=bearer(STRANGER))
    assert beta.status_code == 200 and beta.json() == {"webhooks": []}


async def test_bad_input_is_a_4xx_with_a_detail(stack: Stack) -> None:
    client = stack.client
    await team(stack)
    owner = bearer(OWNER)
    hook_id = (await _create(stack)).json()["id"]
    published = ["version.published"]
    bad_bodies: list[Any] = [
        {"url": "ftp://hooks.example.com/x", "events": published},
        {"url": "not a url", "events": published},
        {"url": "https://user:pw@hooks.example.com/", "events": published},
        {"url": "http://10.1.2.3/hook", "events": published},
        {"url": "http://169.254.169.254/latest", "events": published},
        {"url": "https://" + "a" * 3000 + ".example.com/", "events": published},
        {"url": HOOK_URL, "events": []},
        {"url": HOOK_URL, "events": ["version.exploded"]},
        {"url": HOOK_URL, "events": "version.published"},
        {"url": HOOK_URL, "events": [["version.published"]]},
        {"url": HOOK_URL, "events": published, "format": "xml"},
        {"url": HOOK_URL, "events": published, "description": "x" * 5000},
        {"url": HOOK_URL, "events": published, "description": "nul\x00"},
        {"url": 7, "events": published},
        {"events": published},
        [HOOK_URL],
    ]
    for body in bad_bodies:
        answer = await client.post(HOOKS, headers=owner, json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["detail"]
    for raw in (b"{", b"", b"null", b'{"url": [' * 200):
        answer = await client.post(
            HOOKS, headers={**owner, "Content-Type": "application/json"}, content=raw
        )
        assert answer.status_code == 400, (raw, answer.text)
    huge = await client.post(
        HOOKS,
        headers={**owner, "Content-Type": "application/json"},
        content=b'{"url": "' + b"a" * 2_000_000 + b'"}',
    )
    assert huge.status_code == 413
    for body in ({"active": "yes"}, {"url": "ftp://x"}, {"events": []}, {"format": 3}):
        answer = await client.patch(f"/api/v1/webhooks/{hook_id}", headers=owner, json=body)
        assert answer.status_code == 400, (body, answer.text)
    for hook in ("abc", "0", "-1", "99999999999999999999999", "1.5", "%C3%A9"):
        answer = await client.get(f"/api/v1/webhooks/{hook}", headers=owner)
        assert answer.status_code == 404, (hook, answer.text)
        assert answer.json()["detail"]
    for query in ("limit=0", "limit=abc", "before=-1", "before=x", "before=" + "9" * 40):
        answer = await client.get(f"/api/v1/webhooks/{hook_id}/deliveries?{query}", headers=owner)
        assert answer.status_code == 400, (query, answer.text)
    # The cursor's rule is the service's, as in GraphQL: 0 is no delivery id (a 400, not 404).
    for before in ("0", "%C2%B2", "1.5"):
        answer = await client.get(
            f"/api/v1/webhooks/{hook_id}/deliveries?before={before}", headers=owner
        )
        assert answer.status_code == 400, (before, answer.text)
        assert "before" in answer.json()["detail"], answer.text
    for hook in ("%C2%B2", "%D9%A3"):  # digits int() refuses: "²", Arabic-Indic 3
        answer = await client.get(f"/api/v1/webhooks/{hook}", headers=owner)
        assert answer.status_code == 404, (hook, answer.text)
    for limit in ("1000", "9" * 40):  # clamped to the largest page, as documented
        clamped = await client.get(
            f"/api/v1/webhooks/{hook_id}/deliveries?limit={limit}", headers=owner
        )
        assert clamped.status_code == 200, clamped.text
    for delivery in ("abc", "99999999", "-3"):
        answer = await client.post(
            f"/api/v1/webhooks/{hook_id}/deliveries/{delivery}/redeliver", headers=owner
        )
        assert answer.status_code == 404, (delivery, answer.text)
    unknown = await client.get("/api/v1/publishers/nobody/webhooks", headers=owner)
    assert unknown.status_code == 404
    # A delivery of one hook cannot be redelivered through another.
    other = (await _create(stack, url=f"{HOOK_URL}/other")).json()["id"]
    first_hooks, _ = await emit("alpha")  # one per hook, in the hooks' order
    await fail_delivery(first_hooks)
    wrong = await client.post(
        f"/api/v1/webhooks/{other}/deliveries/{first_hooks}/redeliver", headers=owner
    )
    assert wrong.status_code == 404, wrong.text
    # A disabled hook's deliveries wait until it is enabled again.
    await client.patch(f"/api/v1/webhooks/{hook_id}", headers=owner, json={"active": False})
    while_disabled = await client.post(
        f"/api/v1/webhooks/{hook_id}/deliveries/{first_hooks}/redeliver", headers=owner
    )
    assert while_disabled.status_code == 409 and while_disabled.json()["detail"]
