"""Signed customer session ids and the ids the service issues."""

from handoff.security.ids import SessionSigner, is_conversation_id, new_conversation_id

SECRET = "s" * 32


def test_session_ids_are_signed_and_unguessable() -> None:
    signer = SessionSigner(SECRET)
    session = signer.issue()
    assert signer.verify(session) and session != signer.issue()
    body, mac = session.split(".")
    assert not signer.verify(
        f"{body}.{mac[:-1]}A" if not mac.endswith("A") else f"{body}.{mac[:-1]}B"
    )
    assert not SessionSigner("t" * 32).verify(session)
    for junk in (None, 3, "", "a.b", "x" * 45, session + "x", session + "\n"):
        assert not signer.verify(junk)
    for forged in (f"{body}.{mac[:-1]}é", f"{body}.{mac[:-1]}\ud800", f"{body[:-1]}é.{mac}"):
        assert not signer.verify(forged)


def test_customer_id_is_stable_and_not_the_session() -> None:
    signer = SessionSigner(SECRET)
    session = signer.issue()
    assert signer.customer_id(session) == signer.customer_id(session)
    assert session not in signer.customer_id(session)


def test_conversation_ids() -> None:
    assert is_conversation_id(new_conversation_id())
    assert not is_conversation_id("c_../../etc") and not is_conversation_id(None)
    assert not is_conversation_id(new_conversation_id() + "\n")
