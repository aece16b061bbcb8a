"""Publisher queries and mutations: registration, profile, verification, members, the admin
decisions and queue; private details stay with members and admins."""

from __future__ import annotations

from tests.fixtures.stack import Stack
from tests.graphql.support import actor, add_package, data, execute, post
from tests.helpers import make_publisher

PUBLISHER = """query($name: String!) { publisher(name: $name) {
  id databaseId name displayName verificationStatus packageCount totalDownloads email
  maxPackageBytes verificationRequest { method state data } members { username role }
  packages(first: 10) { totalCount edges { node { name } } } } }"""
REGISTER = """mutation($input: RegisterPublisherInput!) { registerPublisher(input: $input) {
  publisher { name displayName verificationStatus } errors { field code message } } }"""
REQUEST = """mutation($method: VerificationMethod!, $data: JSON!) {
  requestVerification(method: $method, data: $data) {
    publisher { verificationStatus } request { method state data } message instructions
    challenge errors { code message } } }"""


def decide(action: str) -> str:
    return f"""mutation($p: String!, $n: String!) {{ {action}Publisher(publisher: $p, notes: $n)
      {{ publisher {{ name verificationStatus canPublishPublic notice }}
         errors {{ code message }} }} }}"""


async def test_register_and_profile(stack: Stack) -> None:
    me = await actor("u1")
    registered = (
        await data(
            stack,
            REGISTER,
            {"input": {"name": "team", "displayName": "The Team", "email": "t@example.com"}},
            as_actor=me,
        )
    )["registerPublisher"]
    assert registered == {
        "publisher": {
            "name": "team",
            "displayName": "The Team",
            "verificationStatus": "UNVERIFIED",
        },
        "errors": [],
    }
    again = (
        await data(
            stack,
            REGISTER,
            {"input": {"name": "team2", "displayName": "x", "email": "t@example.com"}},
            as_actor=me,
        )
    )["registerPublisher"]
    assert again["errors"][0]["message"] == "You are already a publisher"
    bad_email = (
        await data(
            stack,
            REGISTER,
            {"input": {"name": "other", "displayName": "x", "email": "nope"}},
            as_actor=await actor("u2"),
        )
    )["registerPublisher"]
    assert bad_email["errors"][0]["field"] == "email"

    update = """mutation { updatePublisher(publisher: "team", input: {displayName: "Renamed",
      homepage: "https://team.example"}) { publisher { displayName homepage }
      errors { code } } }"""
    assert (await data(stack, update, as_actor=me))["updatePublisher"] == {
        "publisher": {"displayName": "Renamed", "homepage": "https://team.example"},
        "errors": [],
    }
    refused = (await data(stack, update, as_actor=await actor("u2")))["updatePublisher"]
    assert refused["errors"][0]["code"] == "FORBIDDEN"


async def test_public_and_member_views(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    await add_package(team, "Public", downloads=5)
    await add_package(team, "Hidden", visibility="private", downloads=7)
    public = (await data(stack, PUBLISHER, {"name": "TEAM"}))["publisher"]
    assert public["name"] == "team" and public["databaseId"] == team.id
    assert (public["packageCount"], public["totalDownloads"]) == (1, 5)
    assert public["email"] is None and public["maxPackageBytes"] is None
    assert public["members"] is None and public["verificationRequest"] is None
    assert [e["node"]["name"] for e in public["packages"]["edges"]] == ["Public"]
    mine = (await data(stack, PUBLISHER, {"name": team.id}, as_actor=await actor("owner")))[
        "publisher"
    ]
    assert (mine["packageCount"], mine["totalDownloads"]) == (2, 12)
    assert mine["email"] == "owner@example.com"
    assert mine["members"] == [{"username": "user-owner", "role": "owner"}]
    assert [e["node"]["name"] for e in mine["packages"]["edges"]] == ["Hidden", "Public"]
    assert (await data(stack, PUBLISHER, {"name": "nobody"})) == {"publisher": None}


async def test_publishers_pages(stack: Stack) -> None:
    for index in range(7):
        await make_publisher(f"u{index}", f"pub-{index}", verified=index % 2 == 0)
    query = """query($after: String, $status: PublisherStatus) {
      publishers(first: 3, after: $after, status: $status) {
        totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = (await data(stack, query, {"after": after}))["publishers"]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"pub-{i}" for i in range(7)]
    verified = (await data(stack, query, {"status": "VERIFIED"}))["publishers"]
    assert verified["totalCount"] == 4


async def test_verification_request_and_admin_decisions(stack: Stack) -> None:
    await make_publisher("owner", "team", verified=False)
    owner = await actor("owner")
    submitted = (
        await data(stack, REQUEST, {"method": "MANUAL", "data": {"notes": "hi"}}, as_actor=owner)
    )["requestVerification"]
    assert submitted["errors"] == [] and submitted["publisher"]["verificationStatus"] == "PENDING"
    assert submitted["request"] == {"method": "manual", "state": "pending", "data": {"notes": "hi"}}
    assert submitted["challenge"].startswith("tbrv_") and "admin" in submitted["message"]
    bad = (
        await data(
            stack, REQUEST, {"method": "GITHUB", "data": {"username": "-bad-"}}, as_actor=owner
        )
    )["requestVerification"]
    assert bad["errors"][0]["code"] == "INVALID"
    challenge = await data(
        stack,
        "mutation { issueVerificationChallenge { challenge userId errors { code } } }",
        as_actor=owner,
    )
    assert challenge["issueVerificationChallenge"]["userId"] == "owner"

    admin = await actor("root", admin=True)
    queue = """{ pendingPublishers { totalCount edges { node { name
      verificationRequest { method } } } } }"""
    assert (await data(stack, queue, as_actor=admin))["pendingPublishers"] == {
        "totalCount": 1,
        "edges": [{"node": {"name": "team", "verificationRequest": {"method": "manual"}}}],
    }
    for who in (None, owner):
        refused = await execute(stack, queue, **({"as_actor": who} if who else {}))
        assert refused.errors[0].message == "Admin privileges required"
        assert refused.errors[0].extensions == {
            "code": "forbidden",
            **({"requestId": "req-owner"} if who else {}),
        }

    not_admin = (await data(stack, decide("verify"), {"p": "team", "n": ""}, as_actor=owner))[
        "verifyPublisher"
    ]
    assert not_admin["errors"][0]["code"] == "FORBIDDEN"
    verified = (await data(stack, decide("verify"), {"p": "team", "n": "ok"}, as_actor=admin))[
        "verifyPublisher"
    ]
    assert verified["publisher"]["verificationStatus"] == "VERIFIED"
    assert verified["publisher"]["canPublishPublic"] is True
    suspended = (await data(stack, decide("suspend"), {"p": "team", "n": "spam"}, as_actor=admin))[
        "suspendPublisher"
    ]["publisher"]
    assert suspended["verificationStatus"] == "SUSPENDED" and "spam" in suspended["notice"]
    assert (await data(stack, decide("unsuspend"), {"p": "team", "n": ""}, as_actor=admin))[
        "unsuspendPublisher"
    ]["publisher"]["verificationStatus"] == "VERIFIED"
    assert (await data(stack, decide("revoke"), {"p": "team", "n": ""}, as_actor=admin))[
        "revokePublisher"
    ]["publisher"]["verificationStatus"] == "UNVERIFIED"
    not_verified = (await data(stack, decide("revoke"), {"p": "team", "n": ""}, as_actor=admin))[
        "revokePublisher"
    ]
    assert not_verified["errors"][0]["message"].startswith("Publisher team is not verified")
    assert (await data(stack, decide("reject"), {"p": "team", "n": "no"}, as_actor=admin))[
        "rejectPublisher"
    ]["publisher"]["verificationStatus"] == "REJECTED"
    unknown = (await data(stack, decide("verify"), {"p": "ghost", "n": ""}, as_actor=admin))[
        "verifyPublisher"
    ]
    assert unknown["errors"][0]["code"] == "NOT_FOUND"

    policy = """mutation { setPublisherPolicy(publisher: "team", input: {
      maxPackageBytes: 5000000000, canPublishArtifacts: true}) {
      publisher { maxPackageBytes canPublishArtifacts } errors { code } } }"""
    assert (await data(stack, policy, as_actor=admin))["setPublisherPolicy"] == {
        "publisher": {"maxPackageBytes": 5_000_000_000, "canPublishArtifacts": True},
        "errors": [],
    }
    too_big = await execute(
        stack,
        """mutation($b: BigInt) { setPublisherPolicy(
        publisher: "team", input: {maxPackageBytes: $b}) { errors { code } } }""",
        {"b": str(2**63)},
        as_actor=admin,
    )
    assert too_big.errors and "BigInt must fit in 64 bits" in too_big.errors[0].message


async def test_members(stack: Stack) -> None:
    await make_publisher("owner", "team")
    owner = await actor("owner")
    await actor("helper")
    invited = (
        await data(
            stack,
            """mutation { invitePublisherMember(publisher: "team",
        userId: "helper") { invitation { id userId role state } errors { code } } }""",
            as_actor=owner,
        )
    )["invitePublisherMember"]
    assert invited["errors"] == [] and invited["invitation"]["state"] == "PENDING"
    helper = await actor("helper")
    accepted = (
        await data(
            stack,
            """mutation($id: String!) { acceptPublisherInvitation(
        id: $id) { invitation { state } errors { code } } }""",
            as_actor=helper,
            variables={"id": invited["invitation"]["id"]},
        )
    )["acceptPublisherInvitation"]
    assert accepted == {"invitation": {"state": "ACCEPTED"}, "errors": []}
    helper = await actor("helper")  # memberships are read when the caller is identified
    members = (
        await data(stack, '{ publisher(name: "team") { members { userId } } }', as_actor=helper)
    )["publisher"]["members"]
    assert {m["userId"] for m in members} == {"owner", "helper"}
    removed = await data(
        stack,
        """mutation { removePublisherMember(publisher: "team",
        userId: "owner") { removedUserId errors { message } } }""",
        as_actor=owner,
    )
    assert "at least one owner" in removed["removePublisherMember"]["errors"][0]["message"]


async def test_publisher_mutation_over_http(stack: Stack) -> None:
    response = await post(
        stack.client,
        REGISTER,
        {"input": {"name": "httpteam", "displayName": "HTTP", "email": "h@example.com"}},
        user="h1",
    )
    assert response.json()["data"]["registerPublisher"]["publisher"]["name"] == "httpteam"
    anonymous = await post(
        stack.client,
        REGISTER,
        {"input": {"name": "anon", "displayName": "A", "email": "a@example.com"}},
    )
    assert anonymous.json()["data"]["registerPublisher"]["errors"][0]["code"] == "NOT_AUTHENTICATED"
