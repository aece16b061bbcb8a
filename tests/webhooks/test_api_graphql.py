"""Webhook management over GraphQL (schema/webhooks/), end to end through /graphql on both
stacks: every query and mutation for an owner, the secret only in createWebhook's and
rotateWebhookSecret's payloads, the wrong callers refused with typed errors (and never handed
an owner's answer from the answer cache), and bad input answered with a typed error, never an
internal one."""

from __future__ import annotations

from typing import Any

import httpx

from domain.models import Webhook as WebhookRow
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post
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

FIELDS = """id publisherName url events format description active disabledReason disabledAt
consecutiveFailures createdAt updatedAt"""
CREATE = f"""mutation($publisher: String!, $input: CreateWebhookInput!) {{
  createWebhook(publisher: $publisher, input: $input) {{
    webhook {{ {FIELDS} }} secret errors {{ field code message }} }} }}"""
LIST = f"query($p: String!) {{ webhooks(publisher: $p) {{ {FIELDS} }} }}"
ONE = """query($id: Int!, $first: Int, $before: Int) { webhook(id: $id) { id url
  deliveries(first: $first, before: $before) { id webhookId event state attempts createdAt
    nextAttemptAt lastStatusCode lastDurationMs lastError redeliveryOf
    attemptLog { attempt at statusCode durationMs error } } } }"""
UPDATE = f"""mutation($id: Int!, $input: UpdateWebhookInput!) {{
  updateWebhook(id: $id, input: $input) {{ webhook {{ {FIELDS} }} errors {{ field code }} }} }}"""
ROTATE = f"""mutation($id: Int!) {{ rotateWebhookSecret(id: $id) {{
  webhook {{ {FIELDS} }} secret errors {{ field code }} }} }}"""
DELETE = "mutation($id: Int!) { deleteWebhook(id: $id) { deletedId errors { field code } } }"
REDELIVER = """mutation($id: Int!, $delivery: Int!) {
  redeliverWebhookDelivery(webhookId: $id, deliveryId: $delivery) {
    delivery { id redeliveryOf event state } errors { field code message } } }"""


def _answer(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code") != "internal_error", body
    return body


async def _data(stack: Stack, query: str, variables: dict[str, Any], user: str = OWNER) -> Any:
    body = _answer(await post(stack.client, query, variables, user=user))
    assert "errors" not in body, body
    return body["data"]


async def _create(stack: Stack, **fields: Any) -> dict[str, Any]:
    input = {"url": HOOK_URL, "events": ["VERSION_PUBLISHED"], **fields}
    payload: dict[str, Any] = (await _data(stack, CREATE, {"publisher": "alpha", "input": input}))[
        "createWebhook"
    ]
    assert payload["errors"] == [], payload
    return payload


async def test_an_owner_manages_a_hook_over_graphql(stack: Stack) -> None:
    await team(stack)
    created = await _create(stack, format="DISCORD", description="team channel")
    secret, hook = created["secret"], created["webhook"]
    assert secret and hook["url"] == HOOK_URL and hook["events"] == ["VERSION_PUBLISHED"]
    assert hook["format"] == "DISCORD" and hook["description"] == "team channel"
    assert hook["publisherName"] == "alpha" and hook["active"] is True
    assert hook["disabledAt"] is None and hook["consecutiveFailures"] == 0
    assert (await WebhookRow.get(id=hook["id"])).secret == secret
    hook_id = hook["id"]

    listed = await post(stack.client, LIST, {"p": "alpha"}, user=OWNER)
    assert _answer(listed)["data"]["webhooks"] == [hook]

    changed = await _data(
        stack, UPDATE, {"id": hook_id, "input": {"events": ["VERSION_YANKED"], "format": "JSON"}}
    )
    assert changed["updateWebhook"]["webhook"]["events"] == ["VERSION_YANKED"]
    disabled = await _data(stack, UPDATE, {"id": hook_id, "input": {"active": False}})
    assert disabled["updateWebhook"]["webhook"]["active"] is False
    assert disabled["updateWebhook"]["webhook"]["disabledReason"]
    enabled = await _data(
        stack, UPDATE, {"id": hook_id, "input": {"active": True, "events": ["VERSION_PUBLISHED"]}}
    )
    assert enabled["updateWebhook"]["webhook"]["active"] is True

    rotated = (await _data(stack, ROTATE, {"id": hook_id}))["rotateWebhookSecret"]
    new_secret = rotated["secret"]
    assert rotated["errors"] == [] and new_secret and new_secret != secret
    assert (await WebhookRow.get(id=hook_id)).secret == new_secret

    [first] = await emit("alpha")
    await fail_delivery(first)
    log = await post(stack.client, ONE, {"id": hook_id}, user=OWNER)
    [delivery] = _answer(log)["data"]["webhook"]["deliveries"]
    assert delivery["id"] == first and delivery["webhookId"] == hook_id
    assert delivery["event"] == "VERSION_PUBLISHED" and delivery["state"] == "FAILED"
    assert delivery["lastStatusCode"] == 503 and delivery["nextAttemptAt"] is None
    assert delivery["attemptLog"][-1]["statusCode"] == 503
    again = (await _data(stack, REDELIVER, {"id": hook_id, "delivery": first}))[
        "redeliverWebhookDelivery"
    ]
    assert again["errors"] == [] and again["delivery"]["redeliveryOf"] == first
    newest = await post(stack.client, ONE, {"id": hook_id, "first": 1}, user=OWNER)
    assert [d["id"] for d in _answer(newest)["data"]["webhook"]["deliveries"]] == [
        again["delivery"]["id"]
    ]
    older = await _data(stack, ONE, {"id": hook_id, "before": again["delivery"]["id"]})
    assert [d["id"] for d in older["webhook"]["deliveries"]] == [first]

    # The secret is no field of Webhook: only the two payloads above carried it.
    for answer in (listed, log, newest):
        assert secret not in answer.text and new_secret not in answer.text
    introspected = await _data(stack, '{ __type(name: "Webhook") { fields { name } } }', {})
    assert "secret" not in {f["name"] for f in introspected["__type"]["fields"]}

    deleted = (await _data(stack, DELETE, {"id": hook_id}))["deleteWebhook"]
    assert deleted == {"deletedId": hook_id, "errors": []}
    gone = _answer(await post(stack.client, ONE, {"id": hook_id}, user=OWNER))
    assert gone["data"] is None and gone["errors"][0]["extensions"]["code"] == "not_found"


async def test_the_wrong_callers_get_typed_refusals(stack: Stack) -> None:
    await team(stack)
    hook_id = (await _create(stack))["webhook"]["id"]
    [delivery_id] = await emit("alpha")
    await fail_delivery(delivery_id)
    token = await owner_token(stack)
    mutations = [
        ("createWebhook", CREATE, {"publisher": "alpha", "input": {"url": HOOK_URL, "events": []}}),
        ("updateWebhook", UPDATE, {"id": hook_id, "input": {"active": False}}),
        ("rotateWebhookSecret", ROTATE, {"id": hook_id}),
        ("redeliverWebhookDelivery", REDELIVER, {"id": hook_id, "delivery": delivery_id}),
        ("deleteWebhook", DELETE, {"id": hook_id}),
    ]
    callers: list[tuple[str, dict[str, str], str, str]] = [
        # (who, headers, the code for the publisher's list, the code for its hook by id)
        ("anonymous", {}, "not_authenticated", "not_authenticated"),
        ("API token", token, "forbidden", "forbidden"),
        ("member", bearer(MEMBER), "forbidden", "not_found"),
        ("stranger", bearer(STRANGER), "forbidden", "not_found"),
    ]
    for who, headers, list_code, hook_code in callers:
        for query, variables, code in (
            (LIST, {"p": "alpha"}, list_code),
            (ONE, {"id": hook_id}, hook_code),
        ):
            body = _answer(await post(stack.client, query, variables, headers=headers))
            assert body["data"] is None, (who, body)
            assert body["errors"][0]["extensions"]["code"] == code, (who, body)
        for name, query, variables in mutations:
            body = _answer(await post(stack.client, query, variables, headers=headers))
            expected = list_code if name == "createWebhook" else hook_code
            payload = body["data"][name]
            assert [e["code"] for e in payload["errors"]] == [expected.upper()], (who, name, body)
            assert all(value in (None, [], payload["errors"]) for value in payload.values())
    row = await WebhookRow.get(id=hook_id)
    assert row.active and await WebhookRow.filter(publisher__name="alpha").count() == 1


async def test_an_owners_answer_is_never_anyone_elses(stack: Stack) -> None:
    """The member has the owner's memberships (the answer cache's class of callers): the
    identical request, right after the owner's, is still refused."""
    await team(stack)
    hook_id = (await _create(stack))["webhook"]["id"]
    request = {"query": LIST, "variables": {"p": "alpha"}}
    for _ in range(2):
        owner = await stack.client.post("/graphql", json=request, headers=bearer(OWNER))
        assert _answer(owner)["data"]["webhooks"][0]["id"] == hook_id
    for headers in (bearer(MEMBER), {}, bearer(STRANGER)):
        other = await stack.client.post("/graphql", json=request, headers=headers)
        assert _answer(other)["data"] is None and HOOK_URL not in other.text, other.text
    by_get = await stack.client.get(
        "/graphql", params={"query": LIST, "variables": '{"p": "alpha"}'}, headers=bearer(OWNER)
    )
    assert "public" not in by_get.headers.get("cache-control", "")


async def test_bad_input_is_a_typed_error(stack: Stack) -> None:
    await team(stack)
    hook_id = (await _create(stack))["webhook"]["id"]
    events = ["VERSION_PUBLISHED"]
    bad_inputs = [
        ({"url": "ftp://hooks.example.com/x", "events": events}, "url"),
        ({"url": "http://10.1.2.3/", "events": events}, "url"),
        ({"url": "https://u:p@hooks.example.com/", "events": events}, "url"),
        ({"url": "h" * 5000, "events": events}, "url"),
        ({"url": HOOK_URL, "events": []}, "events"),
        ({"url": HOOK_URL, "events": events, "description": "x" * 201}, "description"),
    ]
    for input, field in bad_inputs:
        body = _answer(
            await post(stack.client, CREATE, {"publisher": "alpha", "input": input}, user=OWNER)
        )
        [error] = body["data"]["createWebhook"]["errors"]
        assert (error["field"], error["code"]) == (field, "INVALID"), (input, body)
    unknown = _answer(
        await post(
            stack.client,
            CREATE,
            {"publisher": "nobody", "input": {"url": HOOK_URL, "events": events}},
            user=OWNER,
        )
    )
    assert unknown["data"]["createWebhook"]["errors"][0]["code"] == "NOT_FOUND"
    # Refused by the schema before anything runs: an unknown event, an id beyond Int.
    for query, variables in (
        (CREATE, {"publisher": "alpha", "input": {"url": HOOK_URL, "events": ["NOPE"]}}),
        (ONE, {"id": 2**40}),
        (ONE, {"id": "1"}),
    ):
        body = _answer(await post(stack.client, query, variables, user=OWNER))
        assert body.get("data") is None and body["errors"], body
    for variables, code in (
        ({"id": hook_id, "first": 1000}, "invalid"),
        ({"id": hook_id, "first": -1}, "invalid"),
        ({"id": hook_id, "before": 0}, "invalid"),
        ({"id": hook_id, "before": -5}, "invalid"),
        ({"id": 0}, "not_found"),
    ):
        body = _answer(await post(stack.client, ONE, variables, user=OWNER))
        assert body["errors"][0]["extensions"]["code"] == code, (variables, body)
        if "before" in variables:  # the same rule as REST's 400 (the service parses it)
            assert body["errors"][0]["extensions"]["field"] == "before", body
    for query, variables in (
        (UPDATE, {"id": hook_id, "input": {"url": "gopher://x"}}),
        (UPDATE, {"id": hook_id, "input": {"events": []}}),
        (REDELIVER, {"id": hook_id, "delivery": 987654}),
        (ROTATE, {"id": hook_id + 1000}),
    ):
        body = _answer(await post(stack.client, query, variables, user=OWNER))
        [payload] = body["data"].values()
        assert payload["errors"] and payload["errors"][0]["code"] in ("INVALID", "NOT_FOUND")
