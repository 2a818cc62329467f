"""Rasa-side code of Tandem: the input channel the handoff service calls, custom NLU components
and the handoff guard policy. Loaded by Rasa through config.yml and credentials.yml."""
