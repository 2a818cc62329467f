"""Tandem's custom actions, served by the Rasa action server (``rasa run actions``).

One module per concern: handoff, triage (the form and its outcome), empathy, clarification.
"""
