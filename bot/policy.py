"""The handoff guard: a Rasa policy that hands off the moment a trigger fires, forms included.

Rules cannot express "whatever the bot was doing": an active form predicts itself before any
rule gets a say. This policy runs with a higher priority than RulePolicy and marks its
prediction as independent of user input, which is the one kind of prediction Rasa lets overrule
an active form. The decision itself lives in ``bot.handoff_triggers``.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff_triggers import REQUEST_HUMAN, Turn, handoff_reason
from bot.language import language_name, language_of
from bot.languages import served_languages

HANDOFF_ACTION = "action_handoff"
# After these the count of frustration, clarifications and repeats starts again.
WINDOW_RESETS = frozenset({HANDOFF_ACTION, "action_resume_after_handback"})


def turns_since_last_handoff(tracker: DialogueStateTracker) -> list[Turn]:
    """The customer's turns since the session started or the bot last handed off / took back."""
    turns: list[Turn] = []
    actions: list[str] = []
    in_form = False

    def close_turn() -> None:
        if turns and actions:
            last = turns[-1]
            turns[-1] = Turn(
                last.intent,
                last.language,
                last.in_form,
                tuple(actions),
                last.text,
                last.asks_for_person,
            )
        actions.clear()

    for event in tracker.applied_events():
        if isinstance(event, (SessionStarted, Restarted)):
            turns, in_form = [], False
            actions.clear()
        elif isinstance(event, ActiveLoop):
            in_form = event.name is not None
        elif isinstance(event, UserUttered):
            intent = event.full_retrieval_intent_name or event.intent_name or ""
            if intent.startswith("EXTERNAL_"):
                continue
            close_turn()
            turns.append(
                Turn(
                    intent,
                    _language(event),
                    in_form=in_form,
                    text=event.text or "",
                    asks_for_person=_confidence_of(event, REQUEST_HUMAN),
                )
            )
        elif isinstance(event, ActionExecuted) and event.action_name:
            if event.action_name in WINDOW_RESETS:
                turns = []
                actions.clear()
            elif event.action_name != ACTION_LISTEN_NAME:
                actions.append(event.action_name)
    close_turn()
    return turns


def _confidence_of(event: UserUttered, intent: str) -> float:
    """The confidence NLU ranked ``intent`` with for this message; 0 when it was not ranked."""
    for ranked in event.parse_data.get("intent_ranking") or []:
        if ranked.get("name") == intent:
            return float(ranked.get("confidence") or 0.0)
    return 0.0


def _language(event: UserUttered) -> str | None:
    """The language to answer the message in; None when it was too short to tell."""
    identified = event.parse_data.get("language")
    if isinstance(identified, dict):
        code = identified.get("code")
        return str(code) if code else None
    # Events that never went through NLU (dialogue tests, events posted over Rasa's HTTP API)
    # carry no language: identify it from the text, with the NLU component's own settings.
    if event.text and not event.text.startswith("/"):
        return language_of(event.text)
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffGuardPolicy(Policy):
    """Predicts ``action_handoff`` when a handoff trigger fires, and listens right after it.

    Usage, in config.yml (priority must be above RulePolicy's 6)::

        policies:
          - name: bot.policy.HandoffGuardPolicy
            priority: 7
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # Nothing to learn; persist an empty resource so the model loads without warnings.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        if latest_action == HANDOFF_ACTION:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities, is_no_user_prediction=True)
        if latest_action != ACTION_LISTEN_NAME:
            return self._prediction(probabilities)

        turns = turns_since_last_handoff(tracker)
        reason = handoff_reason(turns, served_languages().served)
        if reason is None:
            return self._prediction(probabilities)

        events = [SlotSet("handoff_reason", reason)]
        code = turns[-1].language
        if reason == "language" and code:
            # The conversation is in that language now: the handoff message and payload say so.
            events.append(SlotSet("language", code))
            events.append(SlotSet("language_name", language_name(code)))
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        # "No user prediction" is what lets this overrule an active form's own prediction.
        return self._prediction(probabilities, optional_events=events, is_no_user_prediction=True)
