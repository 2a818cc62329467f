"""The service's own customer-facing sentences, per language, from ``system_messages.yml``.

Example::

    texts = SystemTexts.load()
    texts.render("agent_joined", "de", agent="Ana")   # "Ana ist dem Gespräch beigetreten."
"""

from __future__ import annotations

from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("system_messages.yml")
FALLBACK = "en"


class SystemTexts:
    def __init__(self, catalog: dict[str, dict[str, str]]) -> None:
        if FALLBACK not in catalog:
            raise ValueError("system_messages.yml needs an 'en' section")
        self.catalog = catalog

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> SystemTexts:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if not isinstance(data, dict):
            raise ValueError(f"{path} must map languages to messages")
        return cls(
            {str(lang): {str(k): str(v) for k, v in msgs.items()} for lang, msgs in data.items()}
        )

    def render(self, key: str, language: str, **values: object) -> str:
        """The sentence in ``language`` (English when missing), placeholders filled in."""
        template = (
            self.catalog.get(language or FALLBACK, {}).get(key) or self.catalog[FALLBACK][key]
        )
        return template.format(**{k: str(v) for k, v in values.items()})
