"""Building the state a contract test needs through the same REST calls the client makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.services.users import set_admin
from tests.contract.client import ContractClient, module_zip, token_for
from tests.fixtures.stack import Stack

ADMIN_ID = "admin-1"


@dataclass
class Publisher:
    user_id: str
    token: str
    id: str
    name: str


@dataclass
class World:
    stack: Stack
    api: ContractClient
    admin_token: str

    async def publisher(
        self, user_id: str, slug: str | None = None, *, verified: bool = True
    ) -> Publisher:
        """`register_publisher`, then (optionally) an admin's `admin_verify_publisher`."""
        token = token_for(user_id)
        response = await self.api.post(
            "/api/v1/auth/register-publisher",
            token=token,
            json={
                "name": slug or f"pub-{user_id}".lower(),
                "display_name": f"Publisher {user_id}",
                "email": f"{user_id}@example.com",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        if verified:
            decided = await self.api.post(
                f"/api/v1/publishers/admin/{body['id']}/verify",
                token=self.admin_token,
                json={"notes": ""},
            )
            assert decided.status_code == 200, decided.text
        return Publisher(user_id, token, body["id"], body["name"])

    async def package(
        self,
        owner: Publisher,
        name: str,
        *,
        visibility: str = "public",
        package_type: str = "mod",
        **fields: Any,
    ) -> dict[str, Any]:
        """`create_package` with the payload the client builds."""
        payload = {
            "name": name,
            "display_name": fields.pop("display_name", name),
            "package_type": package_type,
            "visibility": visibility,
            "description": fields.pop("description", f"{name} for tests"),
            "readme": fields.pop("readme", ""),
            **fields,
        }
        response = await self.api.post("/api/v1/packages", token=owner.token, json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    async def version(
        self,
        owner: Publisher,
        name: str,
        version: str,
        *,
        data: bytes | None = None,
        changelog: str = "",
        dependencies: list[Any] | None = None,
    ) -> dict[str, Any]:
        """`upload_version` (changelog only when non-empty), then let the scan publish it."""
        fields = {"version": version}
        if changelog:
            fields["changelog"] = changelog
        archive = data if data is not None else module_zip(name, version, dependencies=dependencies)
        response = await self.api.multipart(
            f"/api/v1/packages/{name}/versions", fields, archive, token=owner.token
        )
        assert response.status_code == 201, response.text
        await self.stack.drain_jobs()
        return response.json()


async def make_world(stack: Stack, api: ContractClient) -> World:
    await set_admin(ADMIN_ID, True, username="the-admin")
    return World(stack, api, token_for(ADMIN_ID, "the-admin"))
