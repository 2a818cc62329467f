"""Rasa's own HTTP API (``--enable-api``) of the running stack: what the loaded model makes of
a text (``POST /model/parse``), for the workbench to show the effect of a training.

``make run`` (scripts/stack.py) writes the API's URL and token to ``run/rasa-api.json``; this
reads it at every call (a restarted stack has a new token) and trusts it only while the stack
that wrote it runs. The service still never imports Rasa: this is HTTP.

Example::

    rasa = RasaApi(Path("run"), timeout=10)
    await rasa.parse("where is my parcel")   # {"intent": "faq/order_tracking", "confidence": …}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aiohttp

API_FILE = "rasa-api.json"  # scripts/stack.py's RASA_API_FILE


class RasaApi:
    """See the module's doc."""

    def __init__(self, run_dir: Path, *, timeout: float) -> None:
        self.run_dir = run_dir
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def endpoint(self) -> tuple[str, str] | None:
        """The running stack's Rasa (url, token), or None when no stack runs."""
        try:
            found = json.loads((self.run_dir / API_FILE).read_text())
            os.kill(int(found["pid"]), 0)
            return str(found["url"]), str(found["token"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    async def parse(self, text: str) -> dict[str, Any]:
        """``{"text", "intent", "confidence"}`` from the loaded model, or ``{"text", "error"}``."""
        body = await self._parse(text)
        return body if "error" in body else {"text": text, **understood(body)}

    async def parse_with_answers(self, text: str) -> dict[str, Any]:
        """As :meth:`parse`, with ``responses``: the variations of the FAQ answer the loaded model
        would give (the response selector's, conditions and all), when it names one."""
        body = await self._parse(text)
        if "error" in body:
            return body
        found = {"text": text, **understood(body)}
        responses = _selected(body).get("responses")
        if isinstance(responses, list):
            found["responses"] = responses
        return found

    async def _parse(self, text: str) -> dict[str, Any]:
        endpoint = self.endpoint()
        if endpoint is None:
            return {"text": text, "error": "no running stack with Rasa's API (make run)"}
        url, token = endpoint
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as http,
                http.post(f"{url}/model/parse", params={"token": token}, json={"text": text}) as r,
            ):
                if r.status != 200:
                    return {"text": text, "error": f"Rasa answered HTTP {r.status}"}
                body = await r.json()
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            return {"text": text, "error": f"Rasa unreachable ({type(exc).__name__})"}
        return body if isinstance(body, dict) else {}


def understood(parse: object) -> dict[str, Any]:
    """The intent (the FAQ topic for ``faq``, as the bot channel reports it) and confidence."""
    data: dict[str, Any] = parse if isinstance(parse, dict) else {}
    intent: dict[str, Any] = data["intent"] if isinstance(data.get("intent"), dict) else {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    selector = _selected(data)
    if selector.get("intent_response_key"):
        name = str(selector["intent_response_key"])
        confidence = min(confidence, float(selector.get("confidence") or confidence))
    return {"intent": name, "confidence": round(confidence, 4)}


def _selected(parse: dict[str, Any]) -> dict[str, Any]:
    """The response selector's answer for the parse's intent (``faq``), or {}."""
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    name = str((intent or {}).get("name") or "")
    selectors = parse.get("response_selector")
    chosen = selectors.get(name, {}) if isinstance(selectors, dict) else {}
    response = chosen.get("response", {}) if isinstance(chosen, dict) else {}
    return response if isinstance(response, dict) else {}
