"""scrypt password hashes."""

import pytest

from handoff.security.passwords import hash_password, verify_password


@pytest.mark.parametrize("password", ["correct horse battery staple", "ünïcødé pass"])
def test_scrypt_passwords(password: str) -> None:
    stored = hash_password(password)
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password(password, stored)
    assert not verify_password(password + "!", stored)
    assert not verify_password(password, "md5$nonsense")
