"""CloudM token verification exactly as REST_CONTRACT §2.1 says."""

from __future__ import annotations

import time

import jwt
import pytest

from registry.auth import InvalidToken, decode_cloudm_jwt

SECRET = "unit-secret-0123456789abcdef0123456789"


def token(**overrides: object) -> str:
    now = time.time()
    claims = {
        "sub": "u1",
        "user_id": "u1",
        "username": "alice",
        "email": "a@example.com",
        "level": 1,
        "provider": "cloudm",
        "type": "access",
        "jti": "j",
        "iat": now,
        "exp": now + 900.25,
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, SECRET, algorithm="HS256")


def test_valid_access_token_with_float_times() -> None:
    claims = decode_cloudm_jwt(token(), SECRET)
    assert (claims.user_id, claims.username, claims.email) == ("u1", "alice", "a@example.com")


def test_user_id_falls_back_to_sub() -> None:
    assert decode_cloudm_jwt(token(user_id=None, sub="s9"), SECRET).user_id == "s9"


def test_aud_iss_and_nbf_are_not_required_nor_checked() -> None:
    assert decode_cloudm_jwt(token(aud="other", iss="whoever"), SECRET).user_id == "u1"


def test_small_clock_skew_is_tolerated() -> None:
    assert decode_cloudm_jwt(token(exp=time.time() - 10), SECRET).user_id == "u1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": None},
        {"exp": "tomorrow"},
        {"exp": time.time() - 3600},
        {"type": "refresh", "username": None},
        {"type": "refresh"},
        {"username": None},
        {"username": ""},
        {"user_id": None, "sub": None},
        {"user_id": "", "sub": ""},
    ],
)
def test_rejected_claims(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        decode_cloudm_jwt(token(**overrides), SECRET)


def test_wrong_secret_is_rejected() -> None:
    with pytest.raises(InvalidToken):
        decode_cloudm_jwt(token(), SECRET + "x")


def test_unsigned_and_other_algorithms_are_rejected() -> None:
    now = time.time()
    claims = {"user_id": "u1", "username": "alice", "exp": now + 60}
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    hs512 = jwt.encode(claims, SECRET, algorithm="HS512")
    for bad in (unsigned, hs512, "not-a-jwt", ""):
        with pytest.raises(InvalidToken):
            decode_cloudm_jwt(bad, SECRET)
